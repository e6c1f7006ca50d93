// ESLint for the whole monorepo (flat config). Typed rules run against the root tsconfig's program;
// the import restrictions keep the tree honest: database and queue drivers only inside their
// adapters, and core free of Node built-ins.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Tests, test harnesses and benchmarks may open a driver directly to check what reached disk. */
const DRIVER_CHECKERS = ['**/*.test.ts', 'packages/server/src/testing/**', 'bench/**'];

/** Paths for `no-restricted-imports`: one entry per driver and where it may be imported. */
const drivers = {
  'better-sqlite3': 'Only storage/sqlite/ talks to SQLite: go through the Store interface.',
  pg: 'Only storage/postgres/ talks to PostgreSQL: go through the Store interface.',
  nats: 'Only pipeline/ talks to NATS.',
};

/** The `no-restricted-imports` rule naming every driver except those in `allowed`. */
function driversExcept(...allowed) {
  const paths = Object.entries(drivers)
    .filter(([name]) => !allowed.includes(name))
    .map(([name, message]) => ({ name, message }));
  return { 'no-restricted-imports': ['error', { paths }] };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'packages/server/src/thread-entry.mjs'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.json'], tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      ...driversExcept(),
    },
  },
  { files: ['packages/server/src/storage/sqlite/**'], rules: driversExcept('better-sqlite3') },
  { files: ['packages/server/src/storage/postgres/**'], rules: driversExcept('pg') },
  { files: ['packages/server/src/pipeline/**'], rules: driversExcept('nats') },
  { files: DRIVER_CHECKERS, rules: driversExcept('better-sqlite3', 'pg', 'nats') },
  {
    files: ['packages/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: Object.keys(drivers).map((name) => ({ name, message: 'Core has no I/O.' })),
          patterns: [{ group: ['node:*'], message: 'Core is isomorphic: no Node built-ins.' }],
        },
      ],
    },
  },
  {
    files: ['packages/dashboard/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
