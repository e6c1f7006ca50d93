/**
 * The trait-wins rule of both stores, generated from core's `TRAIT_ORDER` so SQLite, PostgreSQL and the
 * TypeScript comparator cannot drift apart (trait-order.pg.test.ts runs all three on random entries). The
 * lexicographic order of the spec is a row comparison `(a, b) > (c, d)` in PostgreSQL (the text its merge
 * function holds) and nested `a > c OR (a = c AND …)` in SQLite; both stop at the first key that differs.
 */
import type { TraitOrderKey } from '@kin/core';
import { TRAIT_ORDER } from '@kin/core';
import { lexicographicWinsSql } from './order-sql.ts';

/** The SQL function SQLite registers (`registerTraitOrder`) for a value's canonical text. */
export const SQLITE_JSON_ORDER_FUNCTION = 'kin_json_order';

/** Where a side's columns come from: a table name or alias (`excluded`), or a column → expression map (`@ts`). */
export type TraitOrderSide = string | ((column: TraitOrderKey['column']) => string);

/** Options of `traitWinsSql`. */
export interface TraitWinsSqlOptions {
  dialect: 'sqlite' | 'postgres';
  /** The row that replaces the other when the condition holds. */
  incoming: TraitOrderSide;
  current: TraitOrderSide;
  /** The keys compared; all of `TRAIT_ORDER` unless given (a write that keeps the value leaves out `value`). */
  keys?: readonly TraitOrderKey[];
}

/** The condition "incoming wins over current", for `ON CONFLICT … DO UPDATE … WHERE` or an `UPDATE`'s `WHERE`. */
export function traitWinsSql(options: TraitWinsSqlOptions): string {
  const keys = options.keys ?? TRAIT_ORDER;
  const side = (from: TraitOrderSide) =>
    keys.map((key) => orderExpression(options.dialect, key, typeof from === 'string' ? `${from}.${key.column}` : from(key.column)));
  const incoming = side(options.incoming);
  const current = side(options.current);
  if (options.dialect === 'postgres') return `(${incoming.join(', ')}) > (${current.join(', ')})`;
  // SQLite: the same order as nested comparisons (the statement it always ran).
  return lexicographicWinsSql(incoming.map((expression, i) => ({ incoming: expression, current: current[i]!, wins: '>' })));
}

/** The keys of `TRAIT_ORDER` before the value: what decides between two writes of the same value. */
export const TRAIT_ORDER_WITHOUT_VALUE: readonly TraitOrderKey[] = TRAIT_ORDER.filter((key) => key.kind !== 'json');

function orderExpression(dialect: TraitWinsSqlOptions['dialect'], key: TraitOrderKey, column: string): string {
  if (key.kind !== 'json') return column;
  // Both compare the jsonb text byte-wise: PostgreSQL prints it, SQLite asks core's jsonOrderText.
  return dialect === 'postgres' ? `coalesce(${column}::text, 'null') COLLATE "C"` : `${SQLITE_JSON_ORDER_FUNCTION}(${column})`;
}
