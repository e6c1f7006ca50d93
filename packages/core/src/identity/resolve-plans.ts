/**
 * The plans the resolver returns once the candidates are settled: a new profile (R3) or an existing one with
 * attachments and merges (R4, R5), both with the caps of R7. Apart from identity-resolve.ts so the resolver
 * reads as its rules; the rules are written at the top of identity-resolve.ts.
 */
import { typePolicy } from './identity-policy.ts';
import type { IdentityPolicy, PlannedMerge, ResolutionPlan, ResolutionRule, SnapshotProfile } from './identity-types.ts';
import { LINK_CLICK_TYPE, type Candidate, type PlanNotes } from './resolve-candidates.ts';

type PlanParts = Pick<ResolutionPlan, 'refused' | 'warnings' | 'traits'>;

/** R3 (+ R7 identifier cap). */
export function newProfilePlan(active: Candidate[], policy: IdentityPolicy, notes: PlanNotes, parts: PlanParts): ResolutionPlan {
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

/**
 * The rule of a link to an existing profile. Why a module function: a named arrow inside the resolver is
 * named again (`__name`, a defineProperty) on every call when run through tsx, which keeps names.
 */
function linkRule(c: Candidate, aliased: boolean, linked: boolean): ResolutionRule {
  return aliased ? 'alias' : linked && c.type === 'anonymous_id' ? 'link_click' : 'attach';
}

/** R4 and R5 (+ R7 caps). */
export function existingProfilePlan(
  profiles: SnapshotProfile[],
  active: Candidate[],
  policy: IdentityPolicy,
  parts: PlanParts,
): ResolutionPlan {
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
  const links = active
    .filter((c) => !c.known)
    .map((c) => ({ identifier: { type: c.type, value: c.value }, rule: linkRule(c, aliased, linked) }));
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
