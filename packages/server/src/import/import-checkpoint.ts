/**
 * The checkpoint of a file import: `<FILE>.kin-import.json`, rewritten (atomically) after every
 * committed chunk. `--resume` starts after the committed position; with messageId de-duplication the worst
 * case after a crash is re-sending the one chunk whose checkpoint was not written yet.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { ImportCounts, ImportPosition } from './import-run.ts';
import type { ImportFormat } from './import-reader.ts';

/** What a checkpoint file holds. */
export interface ImportCheckpoint {
  version: 1;
  source: string;
  format: ImportFormat;
  delimiter?: string;
  headers?: string[];
  /** The file as it was when the import started: a changed file cannot be resumed. */
  fileSize: number;
  fileMtimeMs: number;
  position: ImportPosition;
  counts: ImportCounts;
  updatedAt: string;
}

/** The checkpoint path of an input file. */
export function checkpointPath(file: string): string {
  return `${file}.kin-import.json`;
}

/** Reads a checkpoint; `undefined` when there is none. */
export async function readCheckpoint(file: string): Promise<ImportCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(checkpointPath(file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<ImportCheckpoint>;
  if (parsed.version !== 1 || parsed.position === undefined || parsed.counts === undefined) {
    throw new Error(`${checkpointPath(file)} is not a Kin import checkpoint`);
  }
  return parsed as ImportCheckpoint;
}

/** Writes the checkpoint (write to a temporary file, then rename: never half-written). */
export async function writeCheckpoint(file: string, checkpoint: ImportCheckpoint): Promise<void> {
  const path = checkpointPath(file);
  await writeFile(`${path}.tmp`, JSON.stringify(checkpoint, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
}

/** Removes the checkpoint (after a complete import). */
export async function removeCheckpoint(file: string): Promise<void> {
  await rm(checkpointPath(file), { force: true });
}
