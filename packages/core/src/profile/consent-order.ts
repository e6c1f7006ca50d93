/**
 * Which consent value wins, written once as data. Why a table and not a function: the rule runs where code
 * cannot be shared — this module's comparator (PostgreSQL's write buffer folds a transaction's consent
 * writes with it), SQLite's and PostgreSQL's `ON CONFLICT … WHERE` and the PL/pgSQL merge function. The SQL
 * is generated from `CONSENT_ORDERS` (`server/src/storage/consent-order-sql.ts`), and one property test
 * runs every implementation on random writes, ties included, against real databases.
 *
 * Two orders. `latest`: the value set at the later event time wins, and at the same time a refusal wins; it
 * is how one profile's writes combine, and how a merge combines the two sides under `consent.onMerge:
 * "latest"`. `most_restrictive` (the policy's default for merges): a refusal wins, then the later time.
 * Times are ISO texts in UTC with milliseconds (as the validator writes them), so text order is time order.
 */
import { compareCodePoints } from './trait-order.ts';

/** The orders consent combines by: within a profile (`latest`) and on merge (the policy's `consent.onMerge`). */
export type ConsentOrderName = 'latest' | 'most_restrictive';

/** One key of an order: the field, the column both stores keep it in, and whether the greater or lesser wins. */
export interface ConsentOrderKey {
  field: 'timestamp' | 'granted';
  column: 'ts' | 'granted';
  wins: 'greater' | 'lesser';
}

const LATER: ConsentOrderKey = { field: 'timestamp', column: 'ts', wins: 'greater' };
// false < true in both stores (0/1 in SQLite, boolean in PostgreSQL): the lesser is the refusal.
const REFUSAL: ConsentOrderKey = { field: 'granted', column: 'granted', wins: 'lesser' };

/** The consent orders: compared in sequence, the first key that differs decides. */
export const CONSENT_ORDERS: Readonly<Record<ConsentOrderName, readonly ConsentOrderKey[]>> = Object.freeze({
  latest: Object.freeze([LATER, REFUSAL]),
  most_restrictive: Object.freeze([REFUSAL, LATER]),
});

/** The fields the orders read: one category's consent (`ProfileConsent` values have them). */
export interface ConsentOrderFields {
  granted: boolean;
  timestamp: string;
}

/** Positive when `a` wins over `b` under the named order, negative when `b` does, 0 when they are the same. */
export function compareConsentOrder(order: ConsentOrderName, a: ConsentOrderFields, b: ConsentOrderFields): number {
  for (const key of CONSENT_ORDERS[order]) {
    const greater = key.field === 'timestamp' ? compareCodePoints(a.timestamp, b.timestamp) : Number(a.granted) - Number(b.granted);
    if (greater !== 0) return key.wins === 'greater' ? greater : -greater;
  }
  return 0;
}
