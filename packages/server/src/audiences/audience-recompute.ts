/**
 * Recomputes profiles from scratch: every computed trait and audience of each given profile, from all its
 * events (its own and those of the profiles merged into it) and its traits and consent, and writes the new
 * state with the entries and exits it implies. Why from scratch: merges, undos and splits change which
 * events a profile has; a recount is equal to the truth by construction (no increments to undo).
 */
import type { AudienceDefinition, ComputedTraitDefinition, ComputedValue, TrackingEvent } from '@kin/core';
import {
  evaluateAudiences,
  evaluateComputedTrait,
  eventsByName,
  performedEvents,
  eventsNamed,
  isEmptyComputedValue,
  presentComputedValue,
  inEventOrder,
  stableJson,
} from '@kin/core';
import type { ProfileComputedState, ProfileStateWrite, SeqEvent } from '../storage/audience-store.ts';
import type { ProfileView, Store } from '../storage/storage.ts';
import type { AudienceChange } from './audience-events.ts';
import type { EvaluationMemo, RememberedEvaluation } from './evaluation-memo.ts';

/** Page size when reading a profile's events. */
const EVENT_PAGE = 1000;

/** The definitions a recompute applies. */
export interface Definitions {
  traits: readonly ComputedTraitDefinition[];
  audiences: readonly AudienceDefinition[];
}

const namesOf = new WeakMap<Definitions, ReadonlySet<string> | undefined>();

/**
 * The event names the definitions read (trait events and audiences' `performed` events); `undefined` when one
 * reads every event (`"*"`). An event of another name changes no value and no membership.
 */
export function namesRead(definitions: Definitions): ReadonlySet<string> | undefined {
  if (namesOf.has(definitions)) return namesOf.get(definitions);
  const names = new Set([...definitions.traits.map((t) => t.event), ...definitions.audiences.flatMap((a) => performedEvents(a.where))]);
  const read = names.has('*') ? undefined : names;
  namesOf.set(definitions, read);
  return read;
}

/** What one profile evaluates to (pure: no store). */
export interface ProfileEvaluation {
  state: ProfileComputedState;
  /** Epoch ms at which time alone may change the state; `undefined`: never. */
  nextChangeAt: number | undefined;
  /** Each trait's result with the events it read (with `reuse`), for the profile's next evaluation. */
  traits?: Map<string, TraitResult>;
}

/** A trait's result on one profile and the seqs of the events of its name it was computed from. */
export interface TraitResult {
  events: string;
  result: ComputedValue;
}

/**
 * What lets an evaluation reuse the last one's trait results: the seq of each event (parallel to `events`)
 * and the last results. Why it stays exact: a trait reads only the events of its name and the clock; a result
 * is reused only when those events are the same seqs (what merges, undos and splits change) and its window
 * boundary (`nextChangeAt`) is still ahead.
 */
export interface TraitReuse {
  seqs: readonly number[];
  last: ReadonlyMap<string, TraitResult> | undefined;
}

/** Evaluates one profile's definitions; `previous` gives the entry times of audiences it stays in. */
export function evaluateProfile(
  definitions: Definitions,
  input: { events: readonly TrackingEvent[]; profile: ProfileView; previous?: ProfileComputedState; reuse?: TraitReuse },
  now: Date,
): ProfileEvaluation {
  const at = now.getTime();
  const sorted = inEventOrder(input.events);
  const byName = eventsByName(sorted);
  const values: Record<string, unknown> = {};
  const computed: Record<string, unknown> = {};
  const timeAnchors: Record<string, number> = {};
  const reuse = input.reuse;
  const signatures = reuse
    ? eventSignatures(
        input.events,
        reuse.seqs,
        definitions.traits.some((t) => t.event === '*'),
      )
    : undefined;
  const traits = reuse ? new Map<string, TraitResult>() : undefined;
  let next = Infinity;
  for (const definition of definitions.traits) {
    const events = signatures?.get(definition.event) ?? '';
    const last = reuse?.last?.get(definition.key);
    const result =
      last && last.events === events && (last.result.nextChangeAt === undefined || at < last.result.nextChangeAt)
        ? last.result
        : evaluateComputedTrait(definition, eventsNamed(definition.event, sorted, byName), at);
    traits?.set(definition.key, { events, result });
    if (result.nextChangeAt !== undefined) next = Math.min(next, result.nextChangeAt);
    computed[definition.key] = presentComputedValue(definition.type, result.value, at);
    if (definition.type === 'time_since' && typeof result.value === 'string') timeAnchors[definition.key] = Date.parse(result.value);
    if (!isEmptyComputedValue(definition.type, result.value)) values[definition.key] = result.value;
  }
  const memberships = evaluateAudiences(
    definitions.audiences,
    {
      events: sorted,
      byName,
      traits: input.profile.traits,
      computed,
      timeAnchors,
      ...(input.profile.consent ? { consent: input.profile.consent } : {}),
    },
    at,
  );
  const audiences: Record<string, string> = {};
  let entered: string | undefined;
  for (const [key, m] of memberships) {
    if (m.nextChangeAt !== undefined) next = Math.min(next, m.nextChangeAt);
    if (m.member) audiences[key] = input.previous?.audiences[key] ?? (entered ??= now.toISOString());
  }
  return { state: { values, audiences }, nextChangeAt: Number.isFinite(next) ? next : undefined, ...(traits ? { traits } : {}) };
}

/** The seqs of each event name's events (and of all under `"*"` when `all`), ascending, as text. */
function eventSignatures(events: readonly TrackingEvent[], seqs: readonly number[], all: boolean): Map<string, string> {
  const byName = new Map<string, number[]>();
  for (const [i, event] of events.entries()) {
    const name = event.event ?? '';
    const list = byName.get(name);
    if (list) list.push(seqs[i]!);
    else byName.set(name, [seqs[i]!]);
  }
  const out = new Map<string, string>();
  for (const [name, list] of byName) out.set(name, list.sort(ascending).join(','));
  if (all) out.set('*', [...seqs].sort(ascending).join(','));
  return out;
}

function ascending(a: number, b: number): number {
  return a - b;
}

/** Every event of a live profile (following merges), page by page as the profile API reads them. */
export async function profileEvents(store: Store, profileId: string): Promise<TrackingEvent[]> {
  const events: TrackingEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listProfileEvents(profileId, { limit: EVENT_PAGE, ...(cursor ? { cursor } : {}) });
    events.push(...page.data);
    if (!page.cursor.next) return events;
    cursor = page.cursor.next;
  }
}

/** Reads the events of live profiles given with the ids whose timelines they hold (see `AudienceStore.eventsOfProfiles`). */
export type TimelineReader = (groups: ReadonlyMap<string, readonly string[]>) => Promise<Map<string, SeqEvent[]>>;

/** The result of recomputing a batch: how many profiles were written and the entries/exits to record. */
export interface RecomputeResult {
  written: number;
  changes: AudienceChange[];
}

/** What a recompute reads besides the store: the evaluator's event memory and its memo of the last evaluations. */
export interface RecomputeMemory {
  readEvents: TimelineReader;
  memo: EvaluationMemo;
}

/**
 * Recomputes the profiles `ids` name (absorbed ids count for their survivor; unknown ids are forgotten) and
 * writes their state in one store call. With `memory`, a profile whose inputs are those of its last
 * evaluation is skipped (evaluation-memo.ts).
 */
export async function recomputeProfiles(
  store: Store,
  definitions: Definitions,
  ids: Iterable<string>,
  now: Date,
  memory?: RecomputeMemory,
): Promise<RecomputeResult> {
  const port = store.audiences;
  const removed = new Set<string>();
  const live = new Map<string, ProfileView>();
  const unique = [...new Set(ids)];
  const found = await store.audiences.readProfiles(unique);
  for (const id of unique) {
    if (live.has(id)) continue;
    const profile = found.get(id);
    if (!profile) {
      removed.add(id);
      continue;
    }
    if (profile.id !== id) removed.add(id);
    live.set(profile.id, profile);
    for (const absorbed of profile.mergedFrom) removed.add(absorbed);
  }
  for (const id of live.keys()) removed.delete(id);
  const groups = new Map([...live].map(([id, p]) => [id, [id, ...[...p.mergedFrom].sort()]]));
  const names = namesRead(definitions);
  const events = await (memory ? memory.readEvents(groups) : port.eventsOfProfiles(groups, names));
  const toEvaluate = new Map<string, { profile: ProfileView; events: TrackingEvent[]; seqs: number[]; inputs: string }>();
  for (const [id, profile] of live) {
    const read = (events.get(id) ?? []).filter((x) => names === undefined || names.has(x.event.event ?? ''));
    const inputs = memory ? inputsOf(groups.get(id)!, profile, read) : '';
    if (memory?.memo.unchanged(id, inputs, now.getTime())) continue;
    toEvaluate.set(id, { profile, events: read.map((x) => x.event), seqs: read.map((x) => x.seq), inputs });
  }
  // The states this evaluator stored need no read (see evaluation-memo.ts).
  const previous = await port.readStates([...toEvaluate.keys()].filter((id) => !memory?.memo.last(id)?.stored));
  const writes: ProfileStateWrite[] = [];
  const changes: AudienceChange[] = [];
  const evaluated: Array<[string, RememberedEvaluation]> = [];
  const at = now.toISOString();
  const audienceKeys = new Set(definitions.audiences.map((a) => a.key));
  for (const [id, { profile, events: read, seqs, inputs }] of toEvaluate) {
    const last = memory?.memo.last(id);
    const before = last?.stored ?? previous.get(id);
    const reuse = memory ? { reuse: { seqs, last: last?.traits } } : {};
    const { state, nextChangeAt, traits } = evaluateProfile(
      definitions,
      { events: read, profile, ...(before ? { previous: before } : {}), ...reuse },
      now,
    );
    const nextCheckAt = nextChangeAt === undefined ? null : new Date(nextChangeAt).toISOString();
    evaluated.push([id, { inputs, nextChangeAt, ...(traits ? { traits } : {}), stored: { ...state, nextCheckAt } }]);
    // Most recomputes change nothing a store holds (an event no definition reads): no write for them.
    if (!before || !sameState(before, state, nextCheckAt))
      writes.push({ profileId: id, state, nextCheckAt, ...(before ? { before } : {}) });
    const identifiers = profile.externalIds;
    for (const key of Object.keys(state.audiences))
      if (!before?.audiences[key]) changes.push({ profileId: id, key, kind: 'entered', at, identifiers });
    for (const key of Object.keys(before?.audiences ?? {}))
      if (!state.audiences[key] && audienceKeys.has(key)) changes.push({ profileId: id, key, kind: 'exited', at, identifiers });
  }
  if (writes.length + removed.size > 0) await port.writeStates(writes, [...removed]);
  if (memory) {
    // A removed profile's state is gone: if an undo brings it back with the same inputs, it must be evaluated again.
    memory.memo.forget(removed);
    for (const [id, evaluation] of evaluated) memory.memo.remember(id, evaluation);
  }
  return { written: writes.length, changes };
}

/** The inputs of one profile's evaluation besides definitions and clock (see evaluation-memo.ts). */
function inputsOf(group: readonly string[], profile: ProfileView, read: readonly SeqEvent[]): string {
  const seqs = read.map((x) => x.seq).sort((a, b) => a - b);
  return `${group.join(',')}\u0001${stableJson(profile.traits)}\u0001${stableJson(profile.consent ?? null)}\u0001${seqs.join(',')}`;
}

function sameState(before: ProfileComputedState, after: ProfileComputedState, nextCheckAt: string | null): boolean {
  return (
    (before.nextCheckAt ?? null) === nextCheckAt && sameRecord(before.audiences, after.audiences) && sameRecord(before.values, after.values)
  );
}

/**
 * True when two records hold the same keys with values of the same JSON (what `stableJson` of each compares).
 * Why not `stableJson` of both: most values are numbers and strings, compared at once; this runs for every
 * profile a turn evaluates.
 */
function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false;
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null || stableJson(x) !== stableJson(y)) return false;
  }
  return true;
}
