/**
 * Builds the SDK with esbuild: `dist/kin.esm.js` (ESM) and `dist/kin.js` (IIFE for a script tag,
 * served by the server at `/sdk.js`). `buildSdk()` builds in memory, for the server and the size test;
 * running this file (`npm run build -w @kin/sdk-browser`) also writes `dist/`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

const shared: BuildOptions = {
  absWorkingDir: packageDir,
  bundle: true,
  minify: true,
  write: false,
  target: ['es2020'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'silent',
};

/** Builds both bundles in memory; resolves to their minified source text. */
export async function buildSdk(): Promise<{ esm: string; iife: string }> {
  const [esm, iife] = await Promise.all([
    build({ ...shared, entryPoints: ['src/index.ts'], format: 'esm' }),
    build({ ...shared, entryPoints: ['src/snippet-entry.ts'], format: 'iife' }),
  ]);
  return { esm: outputText(esm.outputFiles), iife: outputText(iife.outputFiles) };
}

function outputText(files: { text: string }[] | undefined): string {
  const file = files?.[0];
  if (!file) throw new Error('esbuild produced no output');
  return file.text;
}

/** Writes `dist/kin.esm.js` and `dist/kin.js`. */
export async function writeSdk(): Promise<void> {
  const { esm, iife } = await buildSdk();
  const dist = new URL('../dist/', import.meta.url);
  await mkdir(dist, { recursive: true });
  await writeFile(new URL('kin.esm.js', dist), esm);
  await writeFile(new URL('kin.js', dist), iife);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeSdk();
}
