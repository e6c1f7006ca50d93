/**
 * The consent orders of both stores as SQL conditions for `ON CONFLICT … DO UPDATE … WHERE`, generated from
 * core's `CONSENT_ORDERS` so SQLite, PostgreSQL and the TypeScript comparator (PostgreSQL's write buffer)
 * cannot drift apart (consent-order.pg.test.ts runs them all on random writes, ties included). The text is
 * the same in both dialects: `granted` is 0/1 in SQLite and a boolean in PostgreSQL, where false < true too.
 *
 * The PL/pgSQL merge function (`kin_merge_batch_v3`, PostgreSQL migration 9) holds both conditions as they
 * were written before this spec: a migration is history and does not change, so the test checks that its
 * text is what `consentWinsSql` generates, and runs it.
 */
import type { ConsentOrderName } from '@kin/core';
import { CONSENT_ORDERS } from '@kin/core';
import { lexicographicWinsSql } from './order-sql.ts';

/** Options of `consentWinsSql`: the order, and the table names or aliases of the two rows. */
export interface ConsentWinsSqlOptions {
  order: ConsentOrderName;
  /** The row that replaces the other when the condition holds (`excluded` in an upsert). */
  incoming?: string;
  /** The stored row (`consent` in an upsert). */
  current?: string;
}

/** The condition "incoming consent wins over current" under the named order of `CONSENT_ORDERS`. */
export function consentWinsSql(options: ConsentWinsSqlOptions): string {
  const incoming = options.incoming ?? 'excluded';
  const current = options.current ?? 'consent';
  return lexicographicWinsSql(
    CONSENT_ORDERS[options.order].map((key) => ({
      incoming: `${incoming}.${key.column}`,
      current: `${current}.${key.column}`,
      wins: key.wins === 'greater' ? '>' : '<',
    })),
  );
}

/** Within a profile, and on merge under `consent.onMerge: "latest"`: the later value, a refusal at the same time. */
export const LATER_CONSENT_SQL = consentWinsSql({ order: 'latest' });

/** On merge under `consent.onMerge: "most_restrictive"`: a refusal on either side stays, then the later value. */
export const RESTRICTIVE_CONSENT_SQL = consentWinsSql({ order: 'most_restrictive' });
