/**
 * The identity resolver: `resolve(snapshot, prepared, policy)` decides, the store applies. Pure and
 * deterministic: the same input gives a byte-identical plan.
 *
 * The rules (each has a named test in identity-resolve.test.ts):
 *
 * R1. Every valid, unblocked identifier of the event is looked up in the snapshot (`snapshotKeys`).
 * R2. Alias: `previousId` is the `user_id` of that value if the snapshot knows it, else the
 *     `anonymous_id` of that value; from then on it is treated like any identifier of the event. While it
 *     takes part (it was not dropped by R6), every link and merge of the event carries rule `alias`: the
 *     alias call is what asserts the two ids are one person. When `previousId` equals the `userId`,
 *     nothing extra.
 * R3. No identifier known: the target is a new profile and every identifier is linked (`new_profile`),
 *     but never more of one type than its limit: the first ones in canonical order (priority, type,
 *     value) are kept and the rest are refused with `limit`.
 * R4. All known identifiers on one profile: that profile is the target; the unknown identifiers are
 *     attached (`attach`) and the known ones are touched.
 * R5. Known identifiers on several profiles: all are merged into the survivor, the oldest profile
 *     (`createdAt`, then id), each with rule `merge` and `via` = the event identifiers on the absorbed
 *     profile plus those on the survivor.
 * R6. Limits, checked before R4 and R5: the combined identifiers of the involved profiles plus the new
 *     ones of the event must not exceed any type's limit. A profile's identifier counts only when its
 *     `lastSeen` is within the type's `windowDays` of the event time (identifiers of this event always
 *     count). A type is over when the combined count exceeds the limit and also exceeds the count
 *     already on any single involved profile (a profile that is over since a policy change is not this
 *     event's fault). When a type is over, one identifier of the event is dropped (refused `limit`,
 *     warning `identifier_refused`) and resolution restarts at R1. The victim is chosen among the
 *     identifiers whose removal can help (every known one, and the unknown ones of an over type): the
 *     lowest priority (largest number) first; on a tie a known one before an unknown one, then the
 *     greater type, then the greater value. So a browser shared by two people never merges them: the
 *     anonymous id is dropped, not the second user id. When nothing is left: target `none`, warning
 *     `no_identity`.
 * R6a. Churn limits: the types of `sharedDevice.deviceTypes` (anonymous_id and device ids, which churn:
 *     cookies expire, browsers and apps get reinstalled) are device-level; every other type is
 *     person-level. A device-level type counts as over only when the event brings a new value of it, and
 *     when only device-level types are over, the victim is chosen among the event's new values of those
 *     types alone. So cookie churn refuses at most the newest cookie or device id, never a person-level
 *     identifier (user_id, email, phone, crm_id, a social handle) and never a merge made by the event's
 *     known identifiers: two profiles of one person joined by a login keep all their cookies.
 * R7. Caps: when the target would hold more than `caps.maxMerges` merges (their `mergeCount` sum plus
 *     the plan's merges) or `caps.maxIdentifiers` identifiers, the plan proceeds with a `merge_cap` or
 *     `identifier_cap` warning.
 * R8. Traits: only `identify` sets person traits; `null` values are unsets (see `computeTraitChanges`).
 *     A trait whose value is an identifier (`email`, `phone`, the policy's `traitIdentifiers`) is left out
 *     when that value is invalid, blocked or refused by any rule on this event: a refused or mistyped
 *     email never becomes the `email` trait. When the policy ranks sources for a trait (`traitSources`),
 *     the plan carries the sending source's rank per key (`traits.trust`); the store keeps the most
 *     trusted value, and the latest among equal ranks (`compareTraitEntries`).
 * R9. Verification: identifiers the server could not verify (`prepareEvent`'s `unverified` option) are
 *     already refused `unverified`; the plan raises an `unverified_identity` warning naming the reason.
 * R10. Tombstones: an identifier an admin removed (`snapshot.tombstoned`) is refused `tombstoned`, before
 *     anything else, on every event and every replay, until the tombstone is lifted.
 * R11. Shared devices: a candidate of a `sharedDevice.deviceTypes` type that has been seen with more than
 *     `sharedDevice.maxUserIds` distinct user ids (`snapshot.deviceUsers` plus this event's user id) is
 *     refused `shared_device` with a `shared_device` warning. The plan records each (device, user id)
 *     pair of the event in `deviceUsers` so the store can count.
 * R12. Consent: the event's `context.consent.categoryPreferences` go to the plan (`consent`, also set
 *     with no categories when the plan merges, to carry `consent.onMerge` to the store). When the
 *     policy names `consent.requiredForAnonymousLinking`, anonymous and device candidates (anonymous_id,
 *     the alias previousId read as anonymous_id, and `sharedDevice.deviceTypes`) are refused `no_consent`
 *     unless the event grants that category.
 * R13. Do-not-link, checked with R6 before R3, R4 and R5: when the identifiers the target would hold (all
 *     identifiers of the involved profiles plus the event's unknown ones) include identifiers of both
 *     sides of a rule, one event identifier is dropped (refused `do_not_link`) and resolution restarts at
 *     R1. The victim is chosen as in R6 among the known candidates and the unknown ones named by a rule.
 *     A rule whose two sides are already on one involved profile is not this event's doing and is ignored.
 * R14. Link click (landing stitching): an event whose `context.kin.link` names a recorded tracked-link click
 *     (`snapshot.linkClick`) links its `anonymous_id` to the clicked profile, reached through the click's
 *     anchor (the recipient's identifier), which then takes part like a known identifier of the event with
 *     rule `link_click` (it is never touched). Only a click with an anchor stitches: one without a valid
 *     token names no profile and is ignored, and so is a click id Kin never recorded. The link is refused
 *     (reason `link_click`, warning `identifier_refused`, the click named as identifier `link_click:<clickId>`)
 *     when the click is flagged as a bot, more than `linkClick.maxAgeDays` older than the event, has already brought
 *     `linkClick.maxBrowsers` other browsers (a forwarded email), or when it would join profiles that each
 *     have a user id (the clicked profile's user ids and those of the event and its other profiles
 *     differ). R6 and R13 treat the anchor as one more known candidate; when it is their victim, the click is
 *     what is refused. The plan names the browser (`linkBrowser`) so the store counts it.
 *
 * Where: this file holds the loop that applies the rules in order (`decide`) and the traits of R8; the
 * candidates and their guards (R1, R2, R10–R12) are in resolve-candidates.ts, the link click (R14) in
 * resolve-link-click.ts, the graph checks (R5's order, R6, R6a, R13) in resolve-limits.ts and the plans
 * (R3, R4, R5, R7) in resolve-plans.ts.
 */
import { epochMs } from '../spec/time-parse.ts';
import { computeTraitChanges } from '../profile/trait-changes.ts';
import { traitTrust } from '../profile/trait-merge.ts';
import type { PreparedEvent } from './identifier-extract.ts';
import { compareIdentifiers, compareTypeValue, identifierKey } from './identifier-order.ts';
import { readConsent } from './identifier-extract.ts';
import type { Identifier, IdentityPolicy, IdentitySnapshot, RefusalReason, ResolutionPlan, ResolutionRule } from './identity-types.ts';
import { aliasCandidates, deviceTypesOf, guardCandidates, knownLookup, PlanNotes } from './resolve-candidates.ts';
import { linkBrowserOf, linkClickCandidate } from './resolve-link-click.ts';
import { chooseVictim, doNotLinkConflict, involvedProfiles, overLimitTypes } from './resolve-limits.ts';
import { existingProfilePlan, newProfilePlan } from './resolve-plans.ts';
import { sortInPlace } from './stable-sort.ts';

export { LINK_CLICK_TYPE } from './resolve-candidates.ts';

/** The numbered rule (above) behind each refusal reason and each link or merge rule, for explain and dry-run. */
export const RULE_NUMBERS: Readonly<Record<RefusalReason | ResolutionRule, string>> = {
  invalid: 'R1',
  blocked: 'R1',
  alias: 'R2',
  new_profile: 'R3',
  attach: 'R4',
  merge: 'R5',
  limit: 'R6',
  unverified: 'R9',
  tombstoned: 'R10',
  shared_device: 'R11',
  no_consent: 'R12',
  do_not_link: 'R13',
  link_click: 'R14',
};

/** The identifiers the store must look up for this event (R1, plus both readings of an alias previousId for R2). */
export function snapshotKeys(prepared: PreparedEvent): Identifier[] {
  // Without an alias the identifiers are distinct already (prepareEvent de-duplicates them). Why no copies
  // of the identifiers: this runs for every event, and nothing downstream modifies them.
  if (prepared.previousId === undefined)
    return prepared.identifiers.length < 2 ? prepared.identifiers.slice() : sortInPlace(prepared.identifiers.slice(), compareTypeValue);
  const keys = new Map<string, Identifier>();
  for (const id of prepared.identifiers) keys.set(identifierKey(id), { type: id.type, value: id.value });
  if (prepared.previousId !== undefined) {
    for (const type of ['user_id', 'anonymous_id']) {
      const id = { type, value: prepared.previousId };
      keys.set(identifierKey(id), id);
    }
  }
  return sortInPlace([...keys.values()], compareTypeValue);
}

/** Decides what one event does to the identity graph (rules R1–R13 above). */
export function resolve(snapshot: IdentitySnapshot, prepared: PreparedEvent, policy: IdentityPolicy): ResolutionPlan {
  const plan = decide(snapshot, prepared, policy);
  if (prepared.traitIds) dropRefusedIdentifierTraits(plan, prepared.traitIds);
  if (prepared.sourceName !== undefined) rankTraits(plan.traits, policy, prepared.sourceName);
  return plan;
}

/** R8: identifier-valued traits whose value is invalid, blocked or refused are not set. */
function dropRefusedIdentifierTraits(plan: ResolutionPlan, traitIds: Record<string, Identifier | null>): void {
  const set = plan.traits.set;
  for (const [key, id] of Object.entries(traitIds)) {
    if (!Object.hasOwn(set, key)) continue;
    if (id === null || plan.refused.some((r) => r.identifier.type === id.type && r.identifier.value === id.value)) delete set[key];
  }
}

/** R8: the sending source's rank per trait key, only for keys the policy ranks (so unranked plans stay as they were). */
function rankTraits(traits: ResolutionPlan['traits'], policy: IdentityPolicy, sourceName: string): void {
  let trust: Record<string, number> | undefined;
  for (const key of [...Object.keys(traits.set), ...traits.unset]) {
    const rank = traitTrust(policy.traitSources, key, sourceName);
    if (rank === 0) continue;
    trust ??= {};
    Object.defineProperty(trust, key, { value: rank, enumerable: true, writable: true, configurable: true });
  }
  if (trust) traits.trust = trust;
}

function decide(snapshot: IdentitySnapshot, prepared: PreparedEvent, policy: IdentityPolicy): ResolutionPlan {
  const knownOf = knownLookup(snapshot.known);
  const order = compareIdentifiers(policy);
  const notes = new PlanNotes([...prepared.refused]);
  const { refused, warnings } = notes;
  const traits = computeTraitChanges(prepared.event);
  for (const r of prepared.refused) {
    if (r.reason === 'unverified')
      warnings.push({ kind: 'unverified_identity', message: `${r.identifier.type} not used: ${r.detail}`, identifier: r.identifier });
  }

  const consent = readConsent(prepared.event);
  const extras: Pick<ResolutionPlan, 'deviceUsers' | 'consent'> = consent
    ? { consent: { categories: consent, onMerge: policy.consent.onMerge } }
    : {};
  const eventTime = epochMs(prepared.event.timestamp);
  let active = guardCandidates(aliasCandidates(prepared, knownOf, order), snapshot, policy, consent, notes, extras);
  const link = linkClickCandidate(snapshot, prepared, active, policy, knownOf, notes, eventTime);
  if (link) active = [...active, link];
  const rules = snapshot.doNotLink ?? [];
  for (;;) {
    if (active.length === 0) {
      warnings.push({ kind: 'no_identity', message: 'the event has no usable identifier; stored without a profile' });
      return { target: { kind: 'none' }, merges: [], links: [], touches: [], refused, warnings, traits, ...extras };
    }
    const profiles = involvedProfiles(snapshot, active);
    const conflict = doNotLinkConflict(profiles, active, rules);
    if (conflict) {
      const members = new Set(conflict.sides.flat().map(identifierKey));
      const victim = chooseVictim(active, (c) => c.known !== undefined || members.has(identifierKey(c)), policy);
      notes.refuseCandidate('do_not_link', victim, `dropped to keep the parts of do-not-link rule ${conflict.id} apart`);
      active = active.filter((c) => c !== victim);
      continue;
    }
    if (profiles.length === 0) return { ...newProfilePlan(active, policy, notes, { refused, warnings, traits }), ...extras };
    const over = overLimitTypes(profiles, active, policy, eventTime);
    if (over.length === 0) {
      const plan = { ...existingProfilePlan(profiles, active, policy, { refused, warnings, traits }), ...extras };
      const browser = linkBrowserOf(active, snapshot);
      if (browser) plan.linkBrowser = browser;
      // A merge combines consent even when the event states none: the store needs the policy's rule.
      if (plan.merges.length > 0 && !plan.consent) plan.consent = { categories: {}, onMerge: policy.consent.onMerge };
      return plan;
    }
    // R6a: with only device-level types over, only the event's new values of them can be dropped.
    const deviceTypes = deviceTypesOf(policy);
    const churnOnly = over.every((type) => deviceTypes.has(type));
    const victim = chooseVictim(
      active,
      (c) => (churnOnly ? c.known === undefined && over.includes(c.type) : c.known !== undefined || over.includes(c.type)),
      policy,
    );
    notes.refuseCandidate('limit', victim, `dropped to keep ${over.join(', ')} within the limit`);
    active = active.filter((c) => c !== victim);
  }
}
