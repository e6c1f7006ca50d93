import { defineConfig } from 'vitest/config';

// One runner for the whole monorepo: tests live beside the code they test. Three tiers (vitest projects):
//   unit      in-process and quick: no PostgreSQL, NATS, child process, worker thread, Chromium, listening socket
//             or data set built by the thousand (`npm run test:unit`, well under a minute)
//   services  suites that need PostgreSQL or NATS (`npm run test:services`)
//   e2e       real processes, threads and sockets, Chromium, the long proofs (`npm run test:e2e`)
// `npm test` runs all three. A new test file is a unit test unless its name or folder says otherwise:
// `*.pg.test.ts` / `*.nats.test.ts` / `storage/postgres/` for services, `*.e2e.test.ts` / `*.browser.test.ts` /
// `*.proof.test.ts` (long proofs over real or generated data sets) / `e2e/` / `cli/` for end-to-end.
const ALL = ['packages/*/src/**/*.test.ts', 'packages/*/src/**/*.test.tsx', 'bench/**/*.test.ts'];

const SERVICES = [
  'packages/server/src/storage/postgres/**/*.test.ts',
  'packages/server/src/pipeline/nats-*.test.ts',
  '**/*.pg.test.ts',
  '**/*.nats.test.ts',
];

const E2E = [
  '**/e2e/**/*.test.ts',
  '**/*.e2e.test.ts',
  '**/*.browser.test.ts',
  '**/*.proof.test.ts',
  // These spawn the real `kin` binary.
  'packages/server/src/cli/**/*.test.ts',
  'packages/server/src/import/import-command.test.ts',
  // These start the whole server (writer thread, real socket) through testing/kin-harness.ts; route tests
  // that need neither use testing/app-harness.ts (in-process) and belong to the unit tier.
  'packages/server/src/http/http-hardening.test.ts',
  'packages/server/src/http/identity-routes.test.ts',
  'packages/server/src/http/import-routes.test.ts',
  'packages/server/src/http/profile-routes.test.ts',
  'packages/server/src/http/profile-search.test.ts',
  'packages/server/src/http/tracking-edge.test.ts',
  'packages/server/src/http/tracking-routes.test.ts',
  'packages/server/src/http/web-assets.test.ts',
  'packages/server/src/matching/match-run.test.ts',
  'packages/server/src/identity/source-regions.test.ts',
  'packages/server/src/ops/worker-ops.test.ts',
  'packages/server/src/demo/demo-hints.test.ts',
  // These start worker threads (each registers tsx and loads its module graph again: a second or more each).
  'packages/server/src/http/admin-read-thread.test.ts',
  'packages/server/src/audiences/audience-thread.test.ts',
  'packages/server/src/storage/sqlite/sqlite-checkpointer.test.ts',
  'packages/server/src/storage/store-open.test.ts',
  // Long proofs: writer threads killed and restarted with back-off waits; the 5,000-shopper demo resolved whole.
  'packages/server/src/storage/sqlite/writer/ingest-thread.test.ts',
  'packages/server/src/demo/demo-data.test.ts',
  'packages/server/src/demo/identity-outcome.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // isolate: false — a worker imports the server's module graph once and runs its unit files one after another,
      // instead of a fresh process per file (a third of the tier's CPU time was imports). The tests keep no state
      // in modules (no mocks, no stubbed globals or env; ports are passed in) and pass in a shuffled file order.
      { extends: true, test: { name: 'unit', include: ALL, exclude: ['**/node_modules/**', ...SERVICES, ...E2E], isolate: false } },
      { extends: true, test: { name: 'services', include: SERVICES, exclude: ['**/node_modules/**', ...E2E] } },
      { extends: true, test: { name: 'e2e', include: E2E, exclude: ['**/node_modules/**'] } },
    ],
  },
});
