/**
 * The SQL function SQLite's trait-wins condition calls for a value's canonical text (see core's
 * trait-order.ts). Why a function: SQLite keeps a value as the JSON text it was sent, in the sender's key
 * order; two objects with the same members must compare as one value, as they do in PostgreSQL's jsonb.
 * It runs only when rank, time and source are all equal (the row comparison stops at the first difference).
 */
import type Database from 'better-sqlite3';
import { jsonOrderText } from '@kin/core';
import { SQLITE_JSON_ORDER_FUNCTION } from '../trait-order-sql.ts';

/** Registers `kin_json_order(value)` on `db`: the canonical text of a stored JSON value, `'null'` for a tombstone. */
export function registerTraitOrder(db: Database.Database): void {
  db.function(SQLITE_JSON_ORDER_FUNCTION, { deterministic: true }, (value: unknown) =>
    jsonOrderText(typeof value === 'string' ? (JSON.parse(value) as unknown) : null),
  );
}
