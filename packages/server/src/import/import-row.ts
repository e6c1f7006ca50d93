/**
 * One imported row → one `identify` event. Identifiers go to `context.externalIds` (and the first email
 * and phone also to `traits.email` / `traits.phone`), person attributes become the spec's traits (see
 * import-traits.ts), and every row carries a `record` identifier `<source>:<record key>`, so a row with no
 * identifier of its own still has a profile and each profile shows which source records formed it.
 *
 * Identifier values are normalised by the tracking path's own normaliser (email trimmed and lower-cased,
 * phone to E.164 in the policy's default region), so an imported `Ann@Example.com ` is the same trait and
 * identifier a tracked one is. A value the normaliser refuses (`not-an-email`, phone `12`) is left out of
 * the event — never kept as a trait or an identifier — and reported with the row.
 *
 * Why the record key is the messageId: re-importing a row is then a duplicate that the pipeline's
 * de-duplication acknowledges and never applies twice, so imports are idempotent and resumable.
 */
import { createHash } from 'node:crypto';
import type { TrackingEvent } from '@kin/core';
import { parseDate } from '@kin/core/matching/index.ts';
import type { ColumnPlanner } from './import-columns.ts';
import type { ImportRejectCode } from './import-reject-codes.ts';
import { ATTRIBUTE_TRAITS, setTraitPath } from './import-traits.ts';

/** The identifier type of the per-row anchor: value `<source>:<record key>`. */
export const RECORD_IDENTIFIER_TYPE = 'record';

/** What every row of one import shares. */
export interface RowContext {
  source: string;
  planner: ColumnPlanner;
  /** The tracking path's identifier normaliser (`undefined`: not a usable value of that type). */
  normalize: (type: string, raw: unknown) => string | undefined;
  /** Event time and receive time of the import (ISO). */
  at: string;
  maxEventBytes: number;
}

/** A value left out of a row's event, and why. */
export interface ValueReject {
  column: string;
  code: ImportRejectCode;
  reason: string;
}

/** An event for the row (with the values left out of it), or why the row was rejected. */
export type RowOutcome =
  | { ok: true; event: TrackingEvent; recordKey: string; invalid: ValueReject[] }
  | { ok: false; code: ImportRejectCode; reason: string; invalid: ValueReject[] };

/** Turns one row (column → cell, cells trimmed) into an identify event. */
export function rowToEvent(values: Readonly<Record<string, string>>, ctx: RowContext): RowOutcome {
  const columns = Object.keys(values).filter((c) => (values[c] ?? '') !== '');
  const invalid: ValueReject[] = [];
  if (columns.length === 0) return { ok: false, code: 'empty_row', reason: 'empty row', invalid };
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
      case 'attribute':
        setTraitPath(traits, ATTRIBUTE_TRAITS[role.role], value);
        break;
      case 'identifier': {
        const normalised = ctx.normalize(role.type, value);
        if (normalised === undefined) {
          const code: ImportRejectCode =
            role.type === 'email' ? 'invalid_email' : role.type === 'phone' ? 'invalid_phone' : 'invalid_identifier';
          invalid.push({ column, code, reason: `"${column}" is not a valid ${role.type}: left out` });
          break;
        }
        addIdentifier(role.type, normalised);
        if ((role.type === 'email' || role.type === 'phone') && traits[role.type] === undefined) traits[role.type] = normalised;
        break;
      }
      case 'trait':
        setTraitPath(traits, role.key, value);
        break;
      case 'record_id':
      case 'ignore':
        break;
    }
  }
  if (externalIds.length === 0 && Object.keys(traits).length === 0) {
    return invalid.length > 0
      ? {
          ok: false,
          code: invalid[0]!.code,
          reason: `no valid values besides the record id (${invalid.map((v) => v.reason).join('; ')})`,
          invalid,
        }
      : { ok: false, code: 'no_values', reason: 'no values besides the record id', invalid };
  }
  const birthday = traits['birthday'];
  if (typeof birthday === 'string') {
    // An ISO date when the value has exactly one calendar reading; otherwise the raw value is kept.
    const parsed = parseDate(birthday);
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
  if (Buffer.byteLength(JSON.stringify(event)) > ctx.maxEventBytes)
    return { ok: false, code: 'event_too_large', reason: `event over ${ctx.maxEventBytes} bytes`, invalid };
  return { ok: true, event, recordKey, invalid };
}

/** A stable key of the row's content: the non-empty cells, sorted by column. */
function contentHash(values: Readonly<Record<string, string>>, columns: readonly string[]): string {
  const hash = createHash('sha256');
  for (const column of [...columns].sort())
    hash
      .update(column)
      .update('\u0000')
      .update(values[column] ?? '')
      .update('\u0001');
  return hash.digest('hex').slice(0, 32);
}
