/**
 * How the Journeys (orchestration) and Deliveries pages put journeys and deliveries into words: a journey's
 * steps as one line, the actions its status allows, a destination's label.
 */
import type { Destination, Journey, JourneyStats, JourneyStatus } from '@kin/core/api/index.ts';
import type { JourneyAction } from './messaging-client.ts';

const duration = (d: number | string) => (typeof d === 'number' ? `${d}s` : d);

/** A journey's trigger and steps as one line: `Product Added → wait 1 hour → send cart-reminder (email | push)`. */
export function journeyOutline(journey: Pick<Journey, 'trigger' | 'steps'>): string {
  const trigger = 'event' in journey.trigger ? journey.trigger.event : `enters ${journey.trigger.audience}`;
  const steps = journey.steps.map((step) => {
    if ('wait' in step) return `wait ${duration(step.wait)}`;
    if ('send' in step)
      return `send ${step.send.message} (${step.send.channels.join(' | ')}${step.send.choose === 'best_engagement' ? ', best engagement' : ''})`;
    return `branch on ${step.branch.if.path}`;
  });
  return [trigger, ...steps].join(' → ');
}

/** The actions a journey in `status` allows (the API answers 409 to the others). */
export function journeyActions(status: JourneyStatus): JourneyAction[] {
  if (status === 'draft') return ['publish'];
  if (status === 'published') return ['pause'];
  return ['resume'];
}

/** The destination id of Kin's own timeline entries (`Message Decided`). */
export const TIMELINE_DESTINATION = 'kin:timeline';

/** A destination as people read it: its name, else its type and where it goes; Kin's timeline by name. */
export function destinationLabel(id: string, destinations: readonly Destination[]): string {
  if (id === TIMELINE_DESTINATION) return 'Kin timeline';
  const d = destinations.find((x) => x.id === id);
  if (!d) return id;
  if (d.name) return d.name;
  const where = d.url ?? (d.host ? `${d.host}:${d.port ?? ''}` : '');
  return where ? `${d.type} · ${where}` : d.type;
}

/** A journey's decisions by outcome, largest first, zeros left out: `sent 3 · skipped_duplicate 2`. */
export function decisionReasons(decisions: JourneyStats['decisions']): string {
  return Object.entries(decisions)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort(([a, x], [b, y]) => (y ?? 0) - (x ?? 0) || a.localeCompare(b))
    .map(([outcome, n]) => `${outcome} ${n ?? 0}`)
    .join(' · ');
}
