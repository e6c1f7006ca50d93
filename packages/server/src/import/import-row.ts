/**
 * One imported row → one `identify` event. Identifiers go to `context.externalIds` (and the first email
 * and phone also to `traits.email` / `traits.phone`), person attributes become traits named by their
 * role, and every row carries a `record` identifier `<source>:<record key>`, so a row with no identifier
 * of its own still has a profile and each profile shows which source records formed it.
 *
 * Why the record key is the messageId: re-importing a row is then a duplicate that the pipeline's
 * de-duplication acknowledges and never applies twice, so imports are idempotent and resumable.
 */
import { createHash } from 'node:crypto';
import type { TrackingEvent } from '@kin/core';
import { parseDate } from '@kin/core/matching/index.ts';
import type { ColumnPlanner } from './import-columns.ts';

/** The identifier type of the per-row anchor: value `<source>:<record key>`. */
export const RECORD_IDENTIFIER_TYPE = 'record';

/** What every row of one import shares. */
export interface RowContext {
  source: string;
  planner: ColumnPlanner;
  /** Event time and receive time of the import (ISO). */
  at: string;
  maxEventBytes: number;
}

/** An event for the row, or why the row was rejected. */
export type RowOutcome = { ok: true; event: TrackingEvent; recordKey: string } | { ok: false; reason: string };

/** Turns one row (column → cell, cells trimmed) into an identify event. */
export function rowToEvent(values: Readonly<Record<string, string>>, ctx: RowContext): RowOutcome {
  const columns = Object.keys(values).filter((c) => (values[c] ?? '') !== '');
  if (columns.length === 0) return { ok: false, reason: 'empty row' };
  const recordColumn = ctx.planner.recordIdColumns(columns)[0];
  const recordKey = recordColumn !== undefined ? (values[recordColumn] ?? '') : `h:${contentHash(values, columns)}`;

  const traits: Record<string, unknown> = {};
  const externalIds: Array<{ id: string; type: string }> = [];
  const seen = new Set<string>();
  const addIdentifier = (type: string, id: string): void => {
    const key = `${type}\u0000${id}`;
    if (seen.has(key)) return;
    seen.add(key);
    externalIds.push({ id, type });
  };
  for (const column of columns) {
    const value = values[column] ?? '';
    const role = ctx.planner.roleOf(column);
    switch (role.kind) {
      case 'attribute': {
        const prior = traits[role.role];
        traits[role.role] = typeof prior === 'string' ? `${prior} ${value}` : value;
        break;
      }
      case 'identifier':
        addIdentifier(role.type, value);
        if ((role.type === 'email' || role.type === 'phone') && traits[role.type] === undefined) traits[role.type] = value;
        break;
      case 'trait':
        traits[role.key] = value;
        break;
      case 'record_id':
      case 'ignore':
        break;
    }
  }
  if (externalIds.length === 0 && Object.keys(traits).length === 0) return { ok: false, reason: 'no values besides the record id' };
  const dob = traits['date_of_birth'];
  if (typeof dob === 'string') {
    // Keep the raw value; add the ISO date only when it has exactly one calendar reading.
    const parsed = parseDate(dob);
    const only = parsed?.readings.length === 1 ? parsed.readings[0] : undefined;
    if (only) traits['birthday'] = `${only.digits.slice(0, 4)}-${only.digits.slice(4, 6)}-${only.digits.slice(6, 8)}`;
  }
  addIdentifier(RECORD_IDENTIFIER_TYPE, `${ctx.source}:${recordKey}`);

  const event: TrackingEvent = {
    type: 'identify',
    messageId: `import:${recordKey}`,
    traits,
    context: { externalIds },
    timestamp: ctx.at,
    receivedAt: ctx.at,
  };
  if (Buffer.byteLength(JSON.stringify(event)) > ctx.maxEventBytes) return { ok: false, reason: `event over ${ctx.maxEventBytes} bytes` };
  return { ok: true, event, recordKey };
}

/** A stable key of the row's content: the non-empty cells, sorted by column. */
function contentHash(values: Readonly<Record<string, string>>, columns: readonly string[]): string {
  const hash = createHash('sha256');
  for (const column of [...columns].sort()) hash.update(column).update('\u0000').update(values[column] ?? '').update('\u0001');
  return hash.digest('hex').slice(0, 32);
}
