/**
 * Importing one file (`kin import`): format by option or extension, rows streamed from disk, one
 * transaction per chunk through `applyEvents`, a rejects file (`row,line,column,code,reason`), a checkpoint after
 * every chunk, and `resume` to continue after the committed position.
 */
import { sourcePhoneRegion } from '@kin/core';
import type { IdentifierNormalizer, IdentityPolicy } from '@kin/core';
import type { SourceRegions } from '../identity/source-regions.ts';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { Store } from '../storage/storage.ts';
import { readCheckpoint, removeCheckpoint, writeCheckpoint, type ImportCheckpoint } from './import-checkpoint.ts';
import { createColumnPlanner, type ImportMapping } from './import-columns.ts';
import { ImportReadError, openRowStream, type ImportFormat, type ResumePoint } from './import-reader.ts';
import { rowToEvent } from './import-row.ts';
import { runImport, type ImportReject, type ImportSummary } from './import-run.ts';
import { ensureImportSource } from './import-source.ts';
import { csvCell } from '../matching/csv-table.ts';

/** Options of {@link importFile}. */
export interface ImportFileOptions {
  file: string;
  source: string;
  store: Store;
  policy: IdentityPolicy;
  normalize: IdentifierNormalizer;
  /** Per-source phone regions (see source-regions.ts). */
  sourceRegions?: SourceRegions;
  format?: ImportFormat;
  delimiter?: string;
  mapping?: ImportMapping;
  /** Path of the rejects file (CSV: row,line,column,code,reason; column only for a value left out). */
  rejectsFile?: string;
  /** Continue after the checkpoint of an earlier, interrupted run. */
  resume?: boolean;
  chunkSize?: number;
  maxEventBytes?: number;
  /** The largest row read (KIN_IMPORT_MAX_RECORD_BYTES); larger rows are rejected. Default 1 MiB. */
  maxRecordBytes?: number;
  now?: () => Date;
  signal?: AbortSignal;
  /** Called after each committed chunk (rows and bytes so far), e.g. for a progress bar. */
  onProgress?: (rows: number, bytes: number) => void;
}

/** The outcome of a file import. */
export interface ImportFileSummary extends ImportSummary {
  /** Rows skipped because an earlier run committed them (with `resume`). */
  skipped: number;
  fileBytes: number;
  /** Columns not imported: no role detected or mapped, and not the record id. */
  ignoredColumns: string[];
}

/** An expected failure of a file import (bad resume, unreadable file), printed without a stack. */
export class ImportFileError extends Error {}

/** The format of a file by extension: `.jsonl` / `.ndjson` / `.json` are JSON lines, anything else CSV. */
export function formatOfFile(file: string): ImportFormat {
  return /\.(jsonl|ndjson|json)$/i.test(file) ? 'jsonl' : 'csv';
}

/** Imports one file. */
export async function importFile(options: ImportFileOptions): Promise<ImportFileSummary> {
  const now = options.now ?? (() => new Date());
  const format = options.format ?? formatOfFile(options.file);
  const info = await stat(options.file).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportFileError(
      code === 'ENOENT' ? `no such file: ${options.file}` : `cannot read ${options.file}: ${code ?? String(error)}`,
    );
  });
  if (info.isDirectory()) throw new ImportFileError(`${options.file} is a directory, not a file`);
  if (!info.isFile()) throw new ImportFileError(`${options.file} is not a regular file`);
  let checkpoint = options.resume
    ? await readCheckpoint(options.file).catch((error: unknown) => {
        throw new ImportFileError(`cannot resume: ${error instanceof Error ? error.message : String(error)}`);
      })
    : undefined;
  if (options.resume && !checkpoint)
    throw new ImportFileError(`cannot resume: no checkpoint for ${options.file} (run without --resume to import it from the start)`);
  if (checkpoint) {
    if (checkpoint.source !== options.source || checkpoint.format !== format) {
      throw new ImportFileError(
        `the checkpoint is for source ${checkpoint.source} (${checkpoint.format}); run without --resume to start over`,
      );
    }
    if (checkpoint.fileSize !== info.size || checkpoint.fileMtimeMs !== info.mtimeMs) {
      throw new ImportFileError(
        'the file changed since the checkpoint was written; run without --resume (re-importing is safe: rows already imported count as duplicates)',
      );
    }
  }
  const source = await ensureImportSource(options.store, options.source, now());
  const resume: ResumePoint | undefined = checkpoint
    ? {
        ...checkpoint.position,
        ...(checkpoint.headers ? { headers: checkpoint.headers } : {}),
        ...(checkpoint.delimiter ? { delimiter: checkpoint.delimiter } : {}),
      }
    : undefined;
  const input = createReadStream(options.file, { start: resume?.bytes ?? 0, highWaterMark: 256 * 1024 });
  // A file that cannot be opened (permissions) fails here with one line, not later with a stack.
  await new Promise<void>((resolve, reject) => {
    input.once('ready', () => resolve());
    input.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ImportFileError(`cannot read ${options.file}: ${error.code ?? error.message}`)),
    );
  });
  const stream = await openRowStream(input, {
    format,
    ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}),
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
    ...(resume ? { resume } : {}),
  }).catch((error: unknown) => {
    input.destroy();
    if (error instanceof ImportReadError) throw new ImportFileError(`${options.file}: ${error.message}`);
    throw error;
  });
  const planner = createColumnPlanner(options.mapping);
  for (const header of stream.headers ?? []) planner.roleOf(header);
  const deps = {
    policy: options.policy,
    normalize: options.normalize,
    ...(options.sourceRegions ? { sourceRegions: options.sourceRegions } : {}),
  };
  // Rows are normalised before they are events: in the source's phone region, as its events are.
  const phoneRegion = sourcePhoneRegion(options.policy, options.source);
  const rowNormalize: IdentifierNormalizer = phoneRegion ? (type, raw) => options.normalize(type, raw, { phoneRegion }) : options.normalize;
  const maxEventBytes = options.maxEventBytes ?? 32_768;

  let rejects: FileHandle | undefined;
  if (options.rejectsFile !== undefined) {
    rejects = await open(options.rejectsFile, checkpoint ? 'a' : 'w');
    if (!checkpoint) await rejects.write('row,line,column,code,reason\n');
  }
  const base: Omit<ImportCheckpoint, 'position' | 'counts' | 'updatedAt'> = {
    version: 1,
    source: options.source,
    format,
    ...(stream.delimiter !== undefined ? { delimiter: stream.delimiter } : {}),
    ...(stream.headers !== undefined ? { headers: stream.headers } : {}),
    fileSize: info.size,
    fileMtimeMs: info.mtimeMs,
  };
  try {
    const summary = await runImport({
      rows: stream.rows,
      toEvent: (values) =>
        rowToEvent(values, { source: options.source, planner, normalize: rowNormalize, at: now().toISOString(), maxEventBytes }),
      apply: (events) => options.store.transaction((tx) => applyEvents(tx, source.id, events, deps)),
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(checkpoint ? { start: { counts: checkpoint.counts, position: checkpoint.position } } : {}),
      onCommit: async (position, counts, chunkRejects) => {
        if (rejects && chunkRejects.length > 0) await rejects.write(chunkRejects.map(rejectLine).join(''));
        checkpoint = { ...base, position, counts, updatedAt: now().toISOString() };
        await writeCheckpoint(options.file, checkpoint);
        options.onProgress?.(counts.rows, stream.bytesRead());
      },
    });
    if (!summary.stopped) await removeCheckpoint(options.file);
    return { ...summary, skipped: resume?.rows ?? 0, fileBytes: info.size, ignoredColumns: planner.ignoredColumns() };
  } finally {
    input.destroy();
    await rejects?.close();
  }
}

function rejectLine(r: ImportReject): string {
  return `${r.row},${r.line},${csvCell(r.column ?? '')},${r.code},${csvCell(r.reason)}\n`;
}
