/**
 * How the Journeys (orchestration) and Deliveries pages put journeys and deliveries into words: a journey's
 * steps as one line, the actions its status allows, a destination's label.
 */
import type { DecisionOutcome, Destination, Journey, JourneyStats, JourneyStatus, JourneyStep } from '@kin/core/api/index.ts';
import type { JourneyAction } from './messaging-client.ts';

const duration = (d: number | string) => (typeof d === 'number' ? `${d}s` : d);

/** A journey's trigger in words: the event's name, or `enters <audience>`. */
export function triggerLabel(trigger: Journey['trigger']): string {
  return 'event' in trigger ? trigger.event : `enters ${trigger.audience}`;
}

/** One step in words: `wait 1 hour`, `send cart-reminder (email | push)`, `branch on traits.vip`. */
export function stepLabel(step: JourneyStep): string {
  if ('wait' in step) return `wait ${duration(step.wait)}`;
  if ('send' in step)
    return `send ${step.send.message} (${step.send.channels.join(' | ')}${step.send.choose === 'best_engagement' ? ', best engagement' : ''})`;
  return `branch on ${step.branch.if.path}`;
}

/** A journey's trigger and steps as one line: `Product Added → wait 1 hour → send cart-reminder (email | push)`. */
export function journeyOutline(journey: Pick<Journey, 'trigger' | 'steps'>): string {
  return [triggerLabel(journey.trigger), ...journey.steps.map(stepLabel)].join(' → ');
}

/** A branch's condition and where each side goes: `traits.vip = true: then step 4 (vip), else step 3`. */
export function branchTargets(steps: readonly JourneyStep[], at: number): { condition: string; then: string; else: string } {
  const step = steps[at];
  if (!step || !('branch' in step)) return { condition: '', then: '', else: '' };
  const c = step.branch.if;
  const condition =
    c.equals !== undefined ? `${c.path} = ${JSON.stringify(c.equals)}` : c.exists === false ? `${c.path} is missing` : `${c.path} exists`;
  const target = (id: string | undefined) => {
    const i = id === undefined ? at + 1 : steps.findIndex((s) => s.id === id);
    if (i < 0) return id ?? '';
    return i >= steps.length ? 'the end' : `step ${i + 1}${id ? ` (${id})` : ''}`;
  };
  return { condition, then: target(step.branch.then), else: target(step.branch.else) };
}

/** How the step diagram names a decision outcome. */
export const OUTCOME_TEXT: Record<DecisionOutcome, string> = {
  sent: 'sent',
  held_out: 'held out',
  exited: 'exited before the send',
  skipped_duplicate: 'duplicate (already sent)',
  skipped_consent: 'no consent',
  skipped_no_channel: 'no reachable channel',
  skipped_cap: 'frequency cap',
  deferred_quiet: 'deferred (quiet hours)',
  dropped_quiet: 'dropped (quiet hours)',
};

/** An instance's end reason in words. */
export function endReasonText(reason: string): string {
  return { exit_rule: 'exit rule', goal: 'goal reached', profile_gone: 'profile deleted' }[reason] ?? reason.replace(/_/g, ' ');
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
