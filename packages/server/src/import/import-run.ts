/**
 * The import loop shared by `kin import` and `POST /v1/imports`: rows are read one at a time, turned into
 * events, and applied in chunks (one transaction each, through the pipeline's de-duplicating apply).
 * After each committed chunk the caller learns the position reached, so it can checkpoint and show progress.
 * Memory stays constant: at most one chunk of events and the first 100 rejects are held.
 */
import type { TrackingEvent } from '@kin/core';
import type { ReadRow } from './import-reader.ts';
import type { ImportRejectCode } from './import-reject-codes.ts';
import type { RowOutcome } from './import-row.ts';

/** Counts of an import. */
export interface ImportCounts {
  rows: number;
  imported: number;
  duplicates: number;
  rejected: number;
  /** Values left out of imported rows (an invalid email or phone…); the rest of each row was imported. */
  invalidValues: number;
  /** Identifiers the identity resolver refused on imported rows (limits, conflicts; see `GET /v1/warnings`). */
  refusedIdentifiers: number;
}

/** A row that was not imported, or (with `column`) a value left out of an imported row, and why. */
export interface ImportReject {
  row: number;
  line: number;
  column?: string;
  code: ImportRejectCode;
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
  /** Rejected rows by code. */
  rejectedByCode: Partial<Record<ImportRejectCode, number>>;
  /** Values left out of imported rows, by code. */
  invalidByCode: Partial<Record<ImportRejectCode, number>>;
  /** True when the import stopped early (interrupted); the position says where. */
  stopped: boolean;
  position: ImportPosition;
}

/** Options of {@link runImport}. */
export interface RunImportOptions {
  rows: AsyncIterable<ReadRow>;
  toEvent: (values: Readonly<Record<string, string>>) => RowOutcome;
  /** Applies one chunk in one transaction. */
  apply: (events: TrackingEvent[]) => Promise<{ accepted: number; duplicates: number; refused?: number }>;
  /** Rows per transaction. Default 1,000. */
  chunkSize?: number;
  /** Called after each committed chunk, with that chunk's rejects. */
  onCommit?: (position: ImportPosition, counts: ImportCounts, rejects: ImportReject[]) => Promise<void> | void;
  /** Stops after the chunk in flight commits. */
  signal?: AbortSignal;
  /** Where a resumed import starts (its counts so far and position). */
  start?: { counts: ImportCounts; position: ImportPosition };
}

/** The counts of a summary as answered and printed (without the rejects list and position). */
export function summaryCounts(summary: ImportSummary): Omit<ImportSummary, 'rejects' | 'stopped' | 'position'> {
  const { rows, imported, duplicates, rejected, invalidValues, refusedIdentifiers, rejectedByCode, invalidByCode } = summary;
  return { rows, imported, duplicates, rejected, invalidValues, refusedIdentifiers, rejectedByCode, invalidByCode };
}

/** Rejects kept in the answer. */
export const MAX_LISTED_REJECTS = 100;

/** Runs the import to the end (or until `signal` aborts). */
export async function runImport(options: RunImportOptions): Promise<ImportSummary> {
  const chunkSize = options.chunkSize ?? 1000;
  const counts: ImportCounts = {
    rows: 0,
    imported: 0,
    duplicates: 0,
    rejected: 0,
    invalidValues: 0,
    refusedIdentifiers: 0,
    ...options.start?.counts,
  };
  const byCode: Partial<Record<ImportRejectCode, number>> = {};
  const invalidByCode: Partial<Record<ImportRejectCode, number>> = {};
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
      counts.refusedIdentifiers += outcome.refused ?? 0;
    }
    for (const r of rejects) {
      const tally = r.column === undefined ? byCode : invalidByCode;
      if (r.column === undefined) counts.rejected++;
      else counts.invalidValues++;
      tally[r.code] = (tally[r.code] ?? 0) + 1;
      if (listed.length < MAX_LISTED_REJECTS) listed.push(r);
    }
    position = last;
    await options.onCommit?.(position, { ...counts }, rejects);
    events = [];
    rejects = [];
    last = undefined;
  };

  for await (const row of options.rows) {
    counts.rows++;
    last = { bytes: row.bytes, rows: row.row, lines: row.line };
    if (row.values === undefined) {
      rejects.push({
        row: row.row,
        line: row.line,
        code: row.reject?.code ?? 'invalid_text',
        reason: row.reject?.reason ?? 'unreadable row',
      });
    } else {
      const outcome = options.toEvent(row.values);
      if (outcome.ok) {
        events.push(outcome.event);
        for (const v of outcome.invalid) rejects.push({ row: row.row, line: row.line, column: v.column, code: v.code, reason: v.reason });
      } else rejects.push({ row: row.row, line: row.line, code: outcome.code, reason: outcome.reason });
    }
    if (events.length + rejects.length >= chunkSize) {
      await commit();
      if (options.signal?.aborted)
        return { ...counts, rejects: listed, rejectedByCode: { ...byCode }, invalidByCode: { ...invalidByCode }, stopped: true, position };
    }
  }
  await commit();
  return { ...counts, rejects: listed, rejectedByCode: { ...byCode }, invalidByCode: { ...invalidByCode }, stopped: false, position };
}
