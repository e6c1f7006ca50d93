/**
 * Where the shared benchmark data lives: `shared/data` beside the repository root (`../shared/data`),
 * or beside one of its ancestors, so a git worktree one or two levels deeper (`/work/wt/NAME`) finds
 * the same folder as the main checkout. The data is read in place, never copied into the repo.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding the workspace package.json). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

function findSharedData(): string {
  const nearest = resolve(repoRoot, '../shared/data');
  for (let dir = repoRoot; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = resolve(dir, '../shared/data');
    if (existsSync(candidate)) return candidate;
  }
  return nearest;
}

/** Absolute path of the shared benchmark data folder. */
export const sharedDataDir = findSharedData();

/** Absolute path of one shared data file, e.g. `sharedDataPath('febrl/dataset1.csv')`. */
export function sharedDataPath(relative: string): string {
  return resolve(sharedDataDir, relative);
}

/** True when the shared data folder is present (tests skip without it). */
export function hasSharedData(): boolean {
  return existsSync(sharedDataDir);
}
