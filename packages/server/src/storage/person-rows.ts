/**
 * What other subjects keep per profile that a privacy delete removes with the person (issue 18: "outbox and
 * click rows and cached analytics"): tracked-link clicks and the browsers they brought, journey instances,
 * message claims and decisions (their bodies), and queued and sent deliveries (their payloads carry events
 * and the email). Both stores have these tables with the same columns; each statement takes one parameter,
 * the profile ids of the deleted family, written by the store's dialect in place of `IDS`.
 *
 * Computed trait values and audience memberships ("cached analytics") are not here: the SQLite store keeps
 * them in a file of its own (sqlite-audience-state.ts), so the privacy service forgets them through the audience
 * port (`writeStates([], profileIds)`) right after the delete.
 *
 * Why `user_deleted` deliveries stay: the delete itself queues them (privacy-downstream.ts) to tell the
 * destinations, with ids only, and a read of the request reports their status.
 */
/**
 * Indexes for a person's rows of the tables that grow with every click and message (SQLite 31, PostgreSQL 27):
 * without them a privacy delete or export, and the links a deleted person clicked, scanned every click and
 * delivery ever recorded. Partial on clicks: one without a profile (no token, not landed) costs its write
 * only the predicate.
 */
export const PERSON_ROW_INDEXES_SQL = `
  CREATE INDEX link_clicks_profile ON link_clicks (profile_id) WHERE profile_id IS NOT NULL;
  CREATE INDEX deliveries_profile ON deliveries (profile_key);`;

export const PERSON_ROW_DELETES: readonly string[] = [
  'DELETE FROM link_click_browsers WHERE click_id IN (SELECT click_id FROM link_clicks WHERE profile_id IN (IDS))',
  'DELETE FROM link_clicks WHERE profile_id IN (IDS)',
  'DELETE FROM journey_instances WHERE profile_id IN (IDS)',
  'DELETE FROM message_claims WHERE profile_id IN (IDS)',
  'DELETE FROM message_decisions WHERE profile_id IN (IDS)',
  `DELETE FROM deliveries WHERE profile_key IN (IDS) AND kind <> 'user_deleted'`,
  'DELETE FROM link_clicked_profiles WHERE profile_id IN (IDS)',
];

/**
 * The links the person clicked (one parameter, as `PERSON_ROW_DELETES`): read before the deletes, their
 * counters are rebuilt after them (links-rows.ts `HIT_RECOUNT_SQL`), so the stats forget the person's clicks.
 */
export const PERSON_CLICKED_LINKS = 'SELECT DISTINCT link_id FROM link_clicks WHERE profile_id IN (IDS)';

/**
 * Rows that name the person by a ref (`email:ann@example.com`, or a profile id), not by profile: the recipients
 * of tracked links. One parameter, every `type:value` of the person and the family's profile ids, written in
 * place of `REFS`. A recipient's clicks and tokens stop resolving to anyone; the link itself stays.
 */
export const PERSON_REF_DELETES: readonly string[] = ['DELETE FROM link_recipients WHERE ref IN (REFS)'];

/** The refs `PERSON_REF_DELETES` take: each identifier as `type:value`, and each profile id. */
export function personRefs(identifiers: ReadonlyArray<{ type: string; value: string }>, profileIds: readonly string[]): string[] {
  return [...identifiers.map((i) => `${i.type}:${i.value}`), ...profileIds];
}
