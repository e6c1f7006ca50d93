/**
 * Where the shared benchmark data lives: `../shared/data` beside the repository root, so a clone in
 * any folder with `shared/` next to it works. The data is read in place, never copied into the repo.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding the workspace package.json). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Absolute path of the shared benchmark data folder. */
export const sharedDataDir = resolve(repoRoot, '../shared/data');

/** Absolute path of one shared data file, e.g. `sharedDataPath('febrl/dataset1.csv')`. */
export function sharedDataPath(relative: string): string {
  return resolve(sharedDataDir, relative);
}

/** True when the shared data folder is present (tests skip without it). */
export function hasSharedData(): boolean {
  return existsSync(sharedDataDir);
}
