/**
 * The import loop shared by `kin import` and `POST /v1/imports`: rows are read one at a time, turned into
 * events, and applied in chunks (one transaction each, through the pipeline's de-duplicating apply).
 * After each committed chunk the caller learns the position reached, so it can checkpoint and show progress.
 * Memory stays constant: at most one chunk of events and the first 100 rejects are held.
 */
import type { TrackingEvent } from '@kin/core';
import type { ReadRow } from './import-reader.ts';
import type { RowOutcome } from './import-row.ts';

/** Counts of an import. */
export interface ImportCounts {
  rows: number;
  imported: number;
  duplicates: number;
  rejected: number;
}

/** A row that was not imported, and why. */
export interface ImportReject {
  row: number;
  line: number;
  reason: string;
}

/** The position just after the last committed row. */
export interface ImportPosition {
  bytes: number;
  rows: number;
  lines: number;
}

/** The outcome of an import. */
export interface ImportSummary extends ImportCounts {
  /** The first 100 rejects (all of them go to the rejects file). */
  rejects: ImportReject[];
  /** True when the import stopped early (interrupted); the position says where. */
  stopped: boolean;
  position: ImportPosition;
}

/** Options of {@link runImport}. */
export interface RunImportOptions {
  rows: AsyncIterable<ReadRow>;
  toEvent: (values: Readonly<Record<string, string>>) => RowOutcome;
  /** Applies one chunk in one transaction. */
  apply: (events: TrackingEvent[]) => Promise<{ accepted: number; duplicates: number }>;
  /** Rows per transaction. Default 1,000. */
  chunkSize?: number;
  /** Called after each committed chunk, with that chunk's rejects. */
  onCommit?: (position: ImportPosition, counts: ImportCounts, rejects: ImportReject[]) => Promise<void> | void;
  /** Stops after the chunk in flight commits. */
  signal?: AbortSignal;
  /** Where a resumed import starts (its counts so far and position). */
  start?: { counts: ImportCounts; position: ImportPosition };
}

/** Rejects kept in the answer. */
export const MAX_LISTED_REJECTS = 100;

/** Runs the import to the end (or until `signal` aborts). */
export async function runImport(options: RunImportOptions): Promise<ImportSummary> {
  const chunkSize = options.chunkSize ?? 1000;
  const counts: ImportCounts = { ...(options.start?.counts ?? { rows: 0, imported: 0, duplicates: 0, rejected: 0 }) };
  let position: ImportPosition = { ...(options.start?.position ?? { bytes: 0, rows: 0, lines: 0 }) };
  const listed: ImportReject[] = [];
  let events: TrackingEvent[] = [];
  let rejects: ImportReject[] = [];
  let last: ImportPosition | undefined;

  const commit = async (): Promise<void> => {
    if (last === undefined) return;
    if (events.length > 0) {
      const outcome = await options.apply(events);
      counts.imported += outcome.accepted;
      counts.duplicates += outcome.duplicates;
    }
    counts.rejected += rejects.length;
    for (const r of rejects) if (listed.length < MAX_LISTED_REJECTS) listed.push(r);
    position = last;
    await options.onCommit?.(position, { ...counts }, rejects);
    events = [];
    rejects = [];
    last = undefined;
  };

  for await (const row of options.rows) {
    counts.rows++;
    last = { bytes: row.bytes, rows: row.row, lines: row.line };
    if (row.error !== undefined || row.values === undefined) {
      rejects.push({ row: row.row, line: row.line, reason: row.error ?? 'unreadable row' });
    } else {
      const outcome = options.toEvent(row.values);
      if (outcome.ok) events.push(outcome.event);
      else rejects.push({ row: row.row, line: row.line, reason: outcome.reason });
    }
    if (events.length + rejects.length >= chunkSize) {
      await commit();
      if (options.signal?.aborted) return { ...counts, rejects: listed, stopped: true, position };
    }
  }
  await commit();
  return { ...counts, rejects: listed, stopped: false, position };
}
