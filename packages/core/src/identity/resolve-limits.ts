/**
 * The graph checks of the resolver: the profiles an event involves (R5's survivor order), the types over
 * their limit (R6, R6a), do-not-link conflicts (R13) and the victim dropped to resolve either. Apart from
 * identity-resolve.ts so the resolver reads as its rules; the rules are written at the top of identity-resolve.ts.
 */
import { epochMs } from '../spec/time-parse.ts';
import { compareStrings, identifierKey } from './identifier-order.ts';
import { typePolicy } from './identity-policy.ts';
import type { DoNotLinkRule, Identifier, IdentityPolicy, IdentitySnapshot, SnapshotProfile } from './identity-types.ts';
import { DAY_MS, deviceTypesOf, type Candidate } from './resolve-candidates.ts';
import { sortInPlace } from './stable-sort.ts';

/** R13: the first rule (by id) whose two sides the target would join, unless one involved profile joins them already. */
export function doNotLinkConflict(profiles: SnapshotProfile[], active: Candidate[], rules: DoNotLinkRule[]): DoNotLinkRule | undefined {
  if (rules.length === 0) return undefined;
  const all = new Set<string>();
  for (const profile of profiles) for (const id of profile.identifiers) all.add(identifierKey(id));
  for (const c of active) if (!c.known) all.add(identifierKey(c));
  const hasBoth = (keys: Set<string>, rule: DoNotLinkRule): boolean =>
    rule.sides[0].some((id) => keys.has(identifierKey(id))) && rule.sides[1].some((id) => keys.has(identifierKey(id)));
  const sorted = [...rules].sort((a, b) => compareStrings(a.id, b.id));
  return sorted.find((rule) => hasBoth(all, rule) && !profiles.some((p) => hasBoth(new Set(p.identifiers.map(identifierKey)), rule)));
}

/** The profiles the known candidates reach, oldest first (the survivor order of R5). */
export function involvedProfiles(snapshot: IdentitySnapshot, active: Candidate[]): SnapshotProfile[] {
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
  if (profiles.length > 1) sortInPlace(profiles, (a, b) => epochMs(a.createdAt) - epochMs(b.createdAt) || compareStrings(a.id, b.id));
  return profiles;
}

/** R6: the types whose combined count would exceed the limit because of this event. */
export function overLimitTypes(profiles: SnapshotProfile[], active: Candidate[], policy: IdentityPolicy, eventTime: number): string[] {
  // One profile and nothing new: the combined identifiers are that profile's own, so no type can be over.
  if (profiles.length === 1 && active.every((c) => c.known !== undefined)) return [];
  if (withinLimits(profiles, active, policy)) return [];
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
  return sortInPlace(over, compareStrings);
}

/**
 * True when no type can be over its limit: each type's count of identifiers (of every involved profile, plus
 * the event's new ones) is at most its limit. Why: that count bounds the distinct values `overLimitTypes`
 * counts (windows and R6a only leave some out), and nearly every event is far from every limit, so this one
 * count per type spares the sets and maps of the exact check.
 */
function withinLimits(profiles: SnapshotProfile[], active: Candidate[], policy: IdentityPolicy): boolean {
  const counts = new Map<string, number>();
  for (const profile of profiles) for (const id of profile.identifiers) counts.set(id.type, (counts.get(id.type) ?? 0) + 1);
  for (const c of active) if (!c.known) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
  for (const [type, n] of counts) if (n > typePolicy(policy, type).limit) return false;
  return true;
}

/** Adds an identifier's value to the set of its type. */
function addValue(map: Map<string, Set<string>>, id: Identifier): void {
  const values = map.get(id.type) ?? new Set<string>();
  values.add(id.value);
  map.set(id.type, values);
}

/** R6 / R13 victim: among the candidates whose removal can help, lowest priority, known first, then greater type and value. */
export function chooseVictim(active: Candidate[], helps: (c: Candidate) => boolean, policy: IdentityPolicy): Candidate {
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
