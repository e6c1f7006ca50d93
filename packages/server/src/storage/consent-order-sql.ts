/**
 * The consent ordering both stores write with, as one SQL condition for `ON CONFLICT … DO UPDATE … WHERE`.
 * Within one profile a later consent replaces an earlier one; at the same time, a refusal wins (`granted` is
 * 0/1 in SQLite and a boolean in PostgreSQL, where false < true as well). Why here: the two adapters wrote
 * the same rule twice.
 */
export const LATER_CONSENT_SQL = '(excluded.ts > consent.ts OR (excluded.ts = consent.ts AND excluded.granted < consent.granted))';
