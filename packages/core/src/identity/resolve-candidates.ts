/**
 * The candidates of one resolution: the event's identifiers with their snapshot entries (R1, R2), the guards
 * that refuse some before any graph rule runs (R10 tombstones, R11 shared devices, R12 consent), and the
 * notes (refusals, warnings) a plan collects. Apart from identity-resolve.ts so the resolver reads as its
 * rules; the rules themselves are written once, at the top of identity-resolve.ts.
 */
import type { PreparedEvent } from './identifier-extract.ts';
import { identifierKey } from './identifier-order.ts';
import { sortInPlace } from './stable-sort.ts';
import type {
  Identifier,
  IdentityPolicy,
  IdentitySnapshot,
  KnownIdentifier,
  PlanWarning,
  Refusal,
  RefusalReason,
  ResolutionPlan,
} from './identity-types.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The identifier type a refused tracked-link click is recorded under (R14). */
export const LINK_CLICK_TYPE = 'link_click';

export interface Candidate extends Identifier {
  /** True for the identifier that stands for an alias `previousId` (R2). */
  alias: boolean;
  known: KnownIdentifier | undefined;
  /** R14: the click id when this candidate is a tracked-link click's anchor, not an identifier of the event. */
  link?: string;
}

/**
 * The refusals and warnings a plan collects. Why a class rather than closures inside `resolve`: the
 * closures were allocated (and, under tsx, renamed with `Object.defineProperty`) on every event.
 */
export class PlanNotes {
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

/** R10 tombstones, R11 shared devices (and the pairs to record), R12 consent for anonymous linking. */
export function guardCandidates(
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
export function deviceTypesOf(policy: IdentityPolicy): ReadonlySet<string> {
  let set = deviceTypeSets.get(policy);
  if (!set) {
    set = new Set(policy.sharedDevice.deviceTypes);
    deviceTypeSets.set(policy, set);
  }
  return set;
}

/**
 * The snapshot entry of an identifier. Why a scan below a few entries: an event has one to three known
 * identifiers, and a map of joined keys per event cost more than the scan.
 */
export function knownLookup(known: KnownIdentifier[]): (type: string, value: string) => KnownIdentifier | undefined {
  if (known.length <= 8) return (type, value) => known.find((k) => k.type === type && k.value === value);
  const byKey = new Map(known.map((k) => [identifierKey(k), k]));
  return (type, value) => byKey.get(identifierKey({ type, value }));
}

/**
 * The event identifiers plus the typed alias previousId (R2), each with its snapshot entry, in `order`.
 * Why the check before sorting: prepareEvent sorts them already, and the sort was measurable per event.
 */
export function aliasCandidates(
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
  if (previous === undefined) return inOrder(candidates, order) ? candidates : sortInPlace(candidates, order);
  if (candidates.some((c) => c.type === 'user_id' && c.value === previous)) return sortInPlace(candidates, order);
  const type = knownOf('user_id', previous) ? 'user_id' : 'anonymous_id';
  const existing = candidates.find((c) => c.type === type && c.value === previous);
  if (existing) existing.alias = true;
  else candidates.push({ type, value: previous, alias: true, known: knownOf(type, previous) });
  return sortInPlace(candidates, order);
}

function inOrder<T>(items: T[], order: (a: T, b: T) => number): boolean {
  for (let i = 1; i < items.length; i++) if (order(items[i - 1]!, items[i]!) > 0) return false;
  return true;
}
