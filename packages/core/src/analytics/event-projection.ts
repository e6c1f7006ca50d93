/**
 * The part of an event that computed traits and audiences read: its name, type, time and messageId (order,
 * windows, ties) and the paths their definitions name (`property`, `where` paths). An evaluator that keeps
 * many profiles' events in memory keeps this part only: what it drops (context, identifiers, other
 * properties) is most of a parsed event, and all of it was heap for the garbage collector to walk.
 *
 * Why it stays exact: `valueAtPath` reads a path through plain objects only, and the projection copies each
 * named path through the same plain objects, with the value at its end shared; a path that ends early (a
 * missing key, a value that is not a plain object) answers `undefined` on both. The copies have no prototype
 * and are read by own keys only, so a step named `__proto__` or `constructor` is an own key like any other:
 * never the prototype of the copy, never a write into `Object.prototype`.
 */
import type { TrackingEvent } from '../spec/event-types.ts';
import type { AudienceCondition, AudienceDefinition } from './audience.ts';
import type { ComputedTraitDefinition } from './computed-trait.ts';
import { isRecord } from './definition-check.ts';

/** The fields every evaluation reads, whatever the definitions. */
const ALWAYS = ['type', 'event', 'timestamp', 'messageId'] as const;

/** The event paths the definitions read besides `ALWAYS`, each split into its steps. */
export function pathsRead(
  traits: readonly ComputedTraitDefinition[],
  audiences: readonly AudienceDefinition[],
): ReadonlyArray<readonly string[]> {
  const paths = new Set<string>();
  for (const t of traits) {
    if (t.property !== undefined) paths.add(t.property);
    for (const c of t.where) paths.add(c.path);
  }
  const walk = (c: AudienceCondition): void => {
    if ('all' in c) c.all.forEach(walk);
    else if ('any' in c) c.any.forEach(walk);
    else if ('not' in c) walk(c.not);
    else if ('performed' in c) for (const w of c.performed.where) paths.add(w.path);
  };
  for (const a of audiences) walk(a.where);
  return [...paths].map((p) => p.split('.'));
}

/** The projection of `event` on `ALWAYS` and `paths` (from `pathsRead`). */
export function projectEvent(event: TrackingEvent, paths: ReadonlyArray<readonly string[]>): TrackingEvent {
  const source = event as unknown as Record<string, unknown>;
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of ALWAYS) if (Object.hasOwn(source, key)) out[key] = source[key];
  for (const steps of paths) {
    let from: Record<string, unknown> = source;
    let to = out;
    for (const [i, step] of steps.entries()) {
      if (!Object.hasOwn(from, step)) break;
      const value = from[step];
      if (i === steps.length - 1 || !isRecord(value)) {
        // The end of the path, or a value no further step can enter: shared as it is.
        to[step] = value;
        break;
      }
      const next = Object.hasOwn(to, step) ? to[step] : undefined;
      // Shared whole by a shorter path already: nothing more to copy (and never write into the event).
      if (next === value) break;
      to = isRecord(next) ? next : (to[step] = Object.create(null) as Record<string, unknown>);
      from = value;
    }
  }
  return out as unknown as TrackingEvent;
}
