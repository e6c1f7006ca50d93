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
 */
import { epochMs } from '../spec/time-parse.ts';
import { computeTraitChanges } from '../profile/trait-changes.ts';
import { traitTrust } from '../profile/trait-merge.ts';
import type { PreparedEvent } from './identifier-extract.ts';
import { compareIdentifiers, compareStrings, compareTypeValue, identifierKey } from './identifier-order.ts';
import { typePolicy } from './identity-policy.ts';
import { readConsent } from './identifier-extract.ts';
import type {
  DoNotLinkRule,
  Identifier,
  IdentityPolicy,
  IdentitySnapshot,
  KnownIdentifier,
  PlannedMerge,
  PlanWarning,
  Refusal,
  RefusalReason,
  ResolutionPlan,
  ResolutionRule,
  SnapshotProfile,
} from './identity-types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

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

interface Candidate extends Identifier {
  /** True for the identifier that stands for an alias `previousId` (R2). */
  alias: boolean;
  known: KnownIdentifier | undefined;
  /** R14: the click id when this candidate is a tracked-link click's anchor, not an identifier of the event. */
  link?: string;
}

/** The identifiers the store must look up for this event (R1, plus both readings of an alias previousId for R2). */
export function snapshotKeys(prepared: PreparedEvent): Identifier[] {
  // Without an alias the identifiers are distinct already (prepareEvent de-duplicates them). Why no copies
  // of the identifiers: this runs for every event, and nothing downstream modifies them.
  if (prepared.previousId === undefined)
    return prepared.identifiers.length < 2 ? prepared.identifiers.slice() : prepared.identifiers.slice().sort(compareTypeValue);
  const keys = new Map<string, Identifier>();
  for (const id of prepared.identifiers) keys.set(identifierKey(id), { type: id.type, value: id.value });
  if (prepared.previousId !== undefined) {
    for (const type of ['user_id', 'anonymous_id']) {
      const id = { type, value: prepared.previousId };
      keys.set(identifierKey(id), id);
    }
  }
  return [...keys.values()].sort(compareTypeValue);
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

/**
 * The refusals and warnings a plan collects. Why a class rather than closures inside `resolve`: the
 * closures were allocated (and, under tsx, renamed with `Object.defineProperty`) on every event.
 */
class PlanNotes {
  readonly warnings: PlanWarning[] = [];

  constructor(readonly refused: Refusal[]) {}

  refuseWith(reason: RefusalReason, id: Identifier, detail: string, warning: PlanWarning['kind'] | undefined = 'identifier_refused'): void {
    const identifier = { type: id.type, value: id.value };
    this.refused.push({ identifier, reason, detail });
    if (warning) this.warnings.push({ kind: warning, message: `${id.type} refused: ${detail}`, identifier });
  }

  refuse(id: Identifier, detail: string): void {
    this.refuseWith('limit', id, detail);
  }

  /** Refuses a candidate; an R14 anchor stands for its click, so the click is what is refused. */
  refuseCandidate(reason: RefusalReason, c: Candidate, detail: string): void {
    if (c.link !== undefined) this.refuseWith('link_click', { type: LINK_CLICK_TYPE, value: c.link }, `${detail} (${reason})`);
    else this.refuseWith(reason, c, detail);
  }
}

/** The identifier type a refused tracked-link click is recorded under (R14). */
export const LINK_CLICK_TYPE = 'link_click';

/** R14: the clicked profile's anchor as a candidate, or `undefined` (refusing the click when it may not stitch). */
function linkClickCandidate(
  snapshot: IdentitySnapshot,
  prepared: PreparedEvent,
  active: Candidate[],
  policy: IdentityPolicy,
  knownOf: (type: string, value: string) => KnownIdentifier | undefined,
  notes: PlanNotes,
  eventTime: number,
): Candidate | undefined {
  const clickId = prepared.linkClick;
  const click = snapshot.linkClick;
  if (clickId === undefined || click === undefined) return undefined;
  const browser = active.find((c) => c.type === 'anonymous_id' && !c.alias);
  if (!browser) return undefined;
  const refuse = (detail: string): undefined => {
    notes.refuseWith('link_click', { type: LINK_CLICK_TYPE, value: clickId }, detail);
    return undefined;
  };
  // An id Kin never issued (another tool's parameter, a copied or made-up URL) is no click: ignored like a
  // missing token, not a refusal — a warning on every such landing would bury the ones that matter.
  if (click === null) return undefined;
  if (click.anchor === undefined) return undefined;
  if (click.bot) return refuse('the click was flagged as a bot or link scanner');
  const age = eventTime - epochMs(click.at);
  if (age > policy.linkClick.maxAgeDays * DAY_MS) return refuse(`the click is more than ${policy.linkClick.maxAgeDays} days old`);
  const known = knownOf(click.anchor.type, click.anchor.value);
  if (!known) return refuse('the clicked profile no longer holds the recipient identifier');
  if (browser.known?.profileId === known.profileId) return undefined;
  if (!click.browsers.includes(browser.value) && click.browsers.length >= policy.linkClick.maxBrowsers) {
    return refuse(`the click already brought ${click.browsers.length} browsers (at most ${policy.linkClick.maxBrowsers})`);
  }
  const clicked = snapshot.profiles.get(known.profileId);
  const clickedUsers = new Set(clicked?.identifiers.filter((id) => id.type === 'user_id').map((id) => id.value) ?? []);
  const otherUsers = new Set<string>();
  for (const c of active) {
    if (c.type === 'user_id' && c.known?.profileId !== known.profileId) otherUsers.add(c.value);
    const profile = c.known && c.known.profileId !== known.profileId ? snapshot.profiles.get(c.known.profileId) : undefined;
    for (const id of profile?.identifiers ?? []) if (id.type === 'user_id') otherUsers.add(id.value);
  }
  if (clickedUsers.size > 0 && otherUsers.size > 0) return refuse('it would join two profiles that each have a user id');
  return { type: known.type, value: known.value, alias: false, known, link: clickId };
}

/** R14: the browser to count against the click's limit, when the anchor took part and the browser is new to it. */
function linkBrowserOf(active: Candidate[], snapshot: IdentitySnapshot): ResolutionPlan['linkBrowser'] {
  const anchor = active.find((c) => c.link !== undefined);
  const browser = active.find((c) => c.type === 'anonymous_id' && !c.alias);
  if (!anchor?.link || !browser || snapshot.linkClick?.browsers.includes(browser.value)) return undefined;
  return { clickId: anchor.link, anonymousId: browser.value };
}

/** R10 tombstones, R11 shared devices (and the pairs to record), R12 consent for anonymous linking. */
function guardCandidates(
  candidates: Candidate[],
  snapshot: IdentitySnapshot,
  policy: IdentityPolicy,
  consent: Record<string, boolean> | undefined,
  notes: PlanNotes,
  extras: Pick<ResolutionPlan, 'deviceUsers'>,
): Candidate[] {
  const tombstoned = snapshot.tombstoned?.length ? new Set(snapshot.tombstoned.map(identifierKey)) : undefined;
  const deviceTypes = deviceTypesOf(policy);
  const seenWith = snapshot.deviceUsers ?? [];
  const userIds = candidates.filter((c) => c.type === 'user_id' && !c.alias).map((c) => c.value);
  const required = policy.consent.requiredForAnonymousLinking;
  const pairs: NonNullable<ResolutionPlan['deviceUsers']> = [];
  const kept: Candidate[] = [];
  for (const c of candidates) {
    if (tombstoned?.has(identifierKey(c))) {
      notes.refuseWith('tombstoned', c, 'removed by an admin', undefined);
      continue;
    }
    const anonymous = c.type === 'anonymous_id' || deviceTypes.has(c.type);
    if (required !== undefined && anonymous && consent?.[required] !== true) {
      notes.refuseWith('no_consent', c, `consent category "${required}" not granted`, undefined);
      continue;
    }
    if (deviceTypes.has(c.type)) {
      for (const userId of userIds) pairs.push({ identifier: { type: c.type, value: c.value }, userId });
      const seen = seenWith.find((d) => d.identifier.type === c.type && d.identifier.value === c.value)?.userIds ?? [];
      // The stored user ids are distinct; a Set only when the event adds its own.
      const distinct = userIds.length === 0 ? seen.length : new Set([...seen, ...userIds]).size;
      if (distinct > policy.sharedDevice.maxUserIds) {
        notes.refuseWith(
          'shared_device',
          c,
          `seen with ${distinct} user ids (more than ${policy.sharedDevice.maxUserIds}): shared device`,
          'shared_device',
        );
        continue;
      }
    }
    kept.push(c);
  }
  if (pairs.length > 0) extras.deviceUsers = pairs;
  return kept;
}

// Why a WeakMap: a policy is an immutable value made once at start; a Set per event was measurable.
const deviceTypeSets = new WeakMap<IdentityPolicy, ReadonlySet<string>>();

/** The policy's `sharedDevice.deviceTypes` as a set. */
function deviceTypesOf(policy: IdentityPolicy): ReadonlySet<string> {
  let set = deviceTypeSets.get(policy);
  if (!set) {
    set = new Set(policy.sharedDevice.deviceTypes);
    deviceTypeSets.set(policy, set);
  }
  return set;
}

/** R13: the first rule (by id) whose two sides the target would join, unless one involved profile joins them already. */
function doNotLinkConflict(profiles: SnapshotProfile[], active: Candidate[], rules: DoNotLinkRule[]): DoNotLinkRule | undefined {
  if (rules.length === 0) return undefined;
  const all = new Set<string>();
  for (const profile of profiles) for (const id of profile.identifiers) all.add(identifierKey(id));
  for (const c of active) if (!c.known) all.add(identifierKey(c));
  const hasBoth = (keys: Set<string>, rule: DoNotLinkRule): boolean =>
    rule.sides[0].some((id) => keys.has(identifierKey(id))) && rule.sides[1].some((id) => keys.has(identifierKey(id)));
  const sorted = [...rules].sort((a, b) => compareStrings(a.id, b.id));
  return sorted.find((rule) => hasBoth(all, rule) && !profiles.some((p) => hasBoth(new Set(p.identifiers.map(identifierKey)), rule)));
}

/**
 * The snapshot entry of an identifier. Why a scan below a few entries: an event has one to three known
 * identifiers, and a map of joined keys per event cost more than the scan.
 */
function knownLookup(known: KnownIdentifier[]): (type: string, value: string) => KnownIdentifier | undefined {
  if (known.length <= 8) return (type, value) => known.find((k) => k.type === type && k.value === value);
  const byKey = new Map(known.map((k) => [identifierKey(k), k]));
  return (type, value) => byKey.get(identifierKey({ type, value }));
}

/**
 * The event identifiers plus the typed alias previousId (R2), each with its snapshot entry, in `order`.
 * Why the check before sorting: prepareEvent sorts them already, and the sort was measurable per event.
 */
function aliasCandidates(
  prepared: PreparedEvent,
  knownOf: (type: string, value: string) => KnownIdentifier | undefined,
  order: (a: Identifier, b: Identifier) => number,
): Candidate[] {
  const candidates = prepared.identifiers.map((id) => ({
    type: id.type,
    value: id.value,
    alias: false,
    known: knownOf(id.type, id.value),
  }));
  const previous = prepared.previousId;
  if (previous === undefined) return inOrder(candidates, order) ? candidates : candidates.sort(order);
  if (candidates.some((c) => c.type === 'user_id' && c.value === previous)) return candidates.sort(order);
  const type = knownOf('user_id', previous) ? 'user_id' : 'anonymous_id';
  const existing = candidates.find((c) => c.type === type && c.value === previous);
  if (existing) existing.alias = true;
  else candidates.push({ type, value: previous, alias: true, known: knownOf(type, previous) });
  return candidates.sort(order);
}

function inOrder<T>(items: T[], order: (a: T, b: T) => number): boolean {
  for (let i = 1; i < items.length; i++) if (order(items[i - 1]!, items[i]!) > 0) return false;
  return true;
}

/** The profiles the known candidates reach, oldest first (the survivor order of R5). */
function involvedProfiles(snapshot: IdentitySnapshot, active: Candidate[]): SnapshotProfile[] {
  // Why loops: this runs for every event, and almost always finds one profile.
  const profiles: SnapshotProfile[] = [];
  for (const c of active) {
    if (!c.known) continue;
    const id = c.known.profileId;
    if (profiles.some((p) => p.id === id)) continue;
    const profile = snapshot.profiles.get(id);
    if (!profile) throw new Error(`inconsistent snapshot: profile ${id} of a known identifier is missing`);
    profiles.push(profile);
  }
  if (profiles.length > 1) profiles.sort((a, b) => epochMs(a.createdAt) - epochMs(b.createdAt) || compareStrings(a.id, b.id));
  return profiles;
}

/** R6: the types whose combined count would exceed the limit because of this event. */
function overLimitTypes(profiles: SnapshotProfile[], active: Candidate[], policy: IdentityPolicy, eventTime: number): string[] {
  // One profile and nothing new: the combined identifiers are that profile's own, so no type can be over.
  if (profiles.length === 1 && active.every((c) => c.known !== undefined)) return [];
  const activeKeys = new Set(active.map(identifierKey));
  const combined = new Map<string, Set<string>>();
  const maxSingle = new Map<string, number>();
  for (const profile of profiles) {
    const own = new Map<string, Set<string>>();
    for (const id of profile.identifiers) {
      const window = typePolicy(policy, id.type).windowDays;
      const counts = activeKeys.has(identifierKey(id)) || window === undefined || eventTime - epochMs(id.lastSeen) <= window * DAY_MS;
      if (!counts) continue;
      addValue(own, id);
      addValue(combined, id);
    }
    for (const [type, values] of own) maxSingle.set(type, Math.max(maxSingle.get(type) ?? 0, values.size));
  }
  const brought = new Set<string>();
  for (const c of active) {
    if (c.known) continue;
    addValue(combined, c);
    brought.add(c.type);
  }
  const deviceTypes = deviceTypesOf(policy);
  const over: string[] = [];
  for (const [type, values] of combined) {
    // R6a: a device-level type is over only when this event brings a new value of it.
    if (deviceTypes.has(type) && !brought.has(type)) continue;
    if (values.size > typePolicy(policy, type).limit && values.size > (maxSingle.get(type) ?? 0)) over.push(type);
  }
  return over.sort(compareStrings);
}

/** Adds an identifier's value to the set of its type. */
function addValue(map: Map<string, Set<string>>, id: Identifier): void {
  const values = map.get(id.type) ?? new Set<string>();
  values.add(id.value);
  map.set(id.type, values);
}

/** R6 / R13 victim: among the candidates whose removal can help, lowest priority, known first, then greater type and value. */
function chooseVictim(active: Candidate[], helps: (c: Candidate) => boolean, policy: IdentityPolicy): Candidate {
  const helpful = active.filter(helps);
  const pool = helpful.length > 0 ? helpful : active;
  const sorted = [...pool].sort(
    (a, b) =>
      typePolicy(policy, b.type).priority - typePolicy(policy, a.type).priority ||
      Number(b.known !== undefined) - Number(a.known !== undefined) ||
      compareStrings(b.type, a.type) ||
      compareStrings(b.value, a.value),
  );
  const victim = sorted[0];
  if (!victim) throw new Error('chooseVictim called without candidates');
  return victim;
}

type PlanParts = Pick<ResolutionPlan, 'refused' | 'warnings' | 'traits'>;

/** R3 (+ R7 identifier cap). */
function newProfilePlan(active: Candidate[], policy: IdentityPolicy, notes: PlanNotes, parts: PlanParts): ResolutionPlan {
  const aliased = active.some((c) => c.alias);
  const perType = new Map<string, number>();
  const links: ResolutionPlan['links'] = [];
  for (const c of active) {
    const count = (perType.get(c.type) ?? 0) + 1;
    const limit = typePolicy(policy, c.type).limit;
    if (count > limit) {
      notes.refuse(c, `more than ${limit} ${c.type} on one event`);
      continue;
    }
    perType.set(c.type, count);
    links.push({ identifier: { type: c.type, value: c.value }, rule: aliased ? 'alias' : 'new_profile' });
  }
  if (links.length > policy.caps.maxIdentifiers) {
    parts.warnings.push({
      kind: 'identifier_cap',
      message: `new profile would hold ${links.length} identifiers (cap ${policy.caps.maxIdentifiers})`,
    });
  }
  return { target: { kind: 'new' }, merges: [], links, touches: [], ...parts };
}

/** R4 and R5 (+ R7 caps). */
function existingProfilePlan(profiles: SnapshotProfile[], active: Candidate[], policy: IdentityPolicy, parts: PlanParts): ResolutionPlan {
  const [survivor, ...absorbed] = profiles;
  if (!survivor) throw new Error('existingProfilePlan called without profiles');
  const aliased = active.some((c) => c.alias);
  const linked = active.some((c) => c.link !== undefined);
  const merges: PlannedMerge[] = absorbed.map((profile) => {
    const via = active.filter((c) => c.known?.profileId === profile.id || c.known?.profileId === survivor.id);
    const byLink = !aliased && via.some((c) => c.link !== undefined);
    return {
      survivorId: survivor.id,
      absorbedId: profile.id,
      rule: aliased ? 'alias' : byLink ? 'link_click' : 'merge',
      via: via.map((c) => (c.link !== undefined ? { type: LINK_CLICK_TYPE, value: c.link } : { type: c.type, value: c.value })),
    };
  });
  const linkRule = (c: Candidate): ResolutionRule => (aliased ? 'alias' : linked && c.type === 'anonymous_id' ? 'link_click' : 'attach');
  const links = active.filter((c) => !c.known).map((c) => ({ identifier: { type: c.type, value: c.value }, rule: linkRule(c) }));
  const touches = active.filter((c) => c.known && c.link === undefined).map((c) => ({ type: c.type, value: c.value }));

  const mergeTotal = profiles.reduce((sum, p) => sum + p.mergeCount, 0) + merges.length;
  if (mergeTotal > policy.caps.maxMerges) {
    parts.warnings.push({
      kind: 'merge_cap',
      message: `profile would hold ${mergeTotal} merges (cap ${policy.caps.maxMerges})`,
      profileId: survivor.id,
    });
  }
  // An identifier belongs to one profile, and a link is an identifier no profile holds: the sets are disjoint.
  const identifierTotal = profiles.reduce((sum, p) => sum + p.identifiers.length, 0) + links.length;
  if (identifierTotal > policy.caps.maxIdentifiers) {
    parts.warnings.push({
      kind: 'identifier_cap',
      message: `profile would hold ${identifierTotal} identifiers (cap ${policy.caps.maxIdentifiers})`,
      profileId: survivor.id,
    });
  }
  return { target: { kind: 'existing', profileId: survivor.id }, merges, links, touches, ...parts };
}
