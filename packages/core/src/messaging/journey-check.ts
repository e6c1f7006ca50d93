/**
 * Checks a journey beyond its JSON shape (which the server validates at the edge): durations, the step
 * graph, templates and channel references. Each problem names its field, so the API answers 400 with it.
 *
 * Why branches only jump forward: a journey is a plan that ends; a jump back to an earlier step (or to
 * itself) would make a loop that sends forever, so it is refused as a cyclic branch.
 */
import type { JourneyInput, MessagingPolicy } from '../api/messaging-api.ts';
import { formatFieldPath } from '../spec/field-path.ts';
import { parseDuration } from './messaging-duration.ts';
import { CONTENT_ROOTS } from './email-render.ts';
import { templateProblem } from './message-template.ts';

/** One thing wrong with a journey or policy, with its field (`steps[2].wait`). */
export interface Problem {
  field: string;
  message: string;
}

/** Keys and exit matches read the trigger only; a message's content also reads the profile. */
function checkTemplate(template: string, field: string, problems: Problem[], roots: readonly string[] = ['trigger']): void {
  const message = templateProblem(template, roots);
  if (message !== undefined) problems.push({ field, message });
}

/** Problems of a journey; `channels` are the channel names of the messaging policy. */
export function checkJourney(journey: JourneyInput, channels: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  if (journey.steps.length === 0) problems.push({ field: 'steps', message: 'a journey has at least one step' });
  const ids = new Map<string, number>();
  journey.steps.forEach((step, i) => {
    if (step.id === undefined) return;
    if (ids.has(step.id)) problems.push({ field: formatFieldPath(['steps', i, 'id']), message: `step id "${step.id}" is used twice` });
    ids.set(step.id, i);
  });
  journey.steps.forEach((step, i) => {
    if ('wait' in step) {
      const d = parseDuration(step.wait);
      if ('problem' in d) problems.push({ field: formatFieldPath(['steps', i, 'wait']), message: d.problem });
    } else if ('send' in step) {
      const send = step.send;
      checkTemplate(send.dedupeKey, formatFieldPath(['steps', i, 'send', 'dedupeKey']), problems);
      for (const part of ['subject', 'text', 'html'] as const) {
        const template = send.email?.[part];
        if (template !== undefined) checkTemplate(template, formatFieldPath(['steps', i, 'send', 'email', part]), problems, CONTENT_ROOTS);
      }
      for (const [name, template] of Object.entries(send.content ?? {}))
        checkTemplate(template, formatFieldPath(['steps', i, 'send', 'content', name]), problems, CONTENT_ROOTS);
      if (send.channels.length === 0)
        problems.push({ field: formatFieldPath(['steps', i, 'send', 'channels']), message: 'a send names at least one channel' });
      send.channels.forEach((c, j) => {
        if (!channels.has(c))
          problems.push({
            field: formatFieldPath(['steps', i, 'send', 'channels', j]),
            message: `channel "${c}" is not in the messaging policy (PUT /v1/messaging/policy)`,
          });
      });
      if (send.ttl !== undefined) {
        const d = parseDuration(send.ttl);
        if ('problem' in d) problems.push({ field: formatFieldPath(['steps', i, 'send', 'ttl']), message: d.problem });
      }
    } else if ('branch' in step) {
      for (const which of ['then', 'else'] as const) {
        const target = step.branch[which];
        if (target === undefined) continue;
        const at = ids.get(target);
        if (at === undefined)
          problems.push({ field: formatFieldPath(['steps', i, 'branch', which]), message: `no step has id "${target}"` });
        else if (at <= i)
          problems.push({
            field: formatFieldPath(['steps', i, 'branch', which]),
            message: `cyclic branch: "${target}" is not after this step`,
          });
      }
    }
  });
  journey.exit?.forEach((rule, i) => {
    if ('event' in rule)
      for (const [path, template] of Object.entries(rule.match ?? {}))
        checkTemplate(template, formatFieldPath(['exit', i, 'match', path]), problems);
  });
  if (journey.goal) {
    const d = parseDuration(journey.goal.within);
    if ('problem' in d) problems.push({ field: 'goal.within', message: d.problem });
  }
  return problems;
}

/** Problems of a messaging policy; `destinations` are the ids of existing destinations. */
export function checkPolicy(policy: MessagingPolicy, destinations: ReadonlySet<string>, isTimeZone: (tz: string) => boolean): Problem[] {
  const problems: Problem[] = [];
  policy.frequencyCaps.forEach((cap, i) => {
    const d = parseDuration(cap.per);
    if ('problem' in d) problems.push({ field: formatFieldPath(['frequencyCaps', i, 'per']), message: d.problem });
    else if (policy.capCounting === 'calendar_user_tz' && d.ms % 86_400_000 !== 0) {
      problems.push({
        field: formatFieldPath(['frequencyCaps', i, 'per']),
        message: 'calendar_user_tz counts whole days: per is a number of days',
      });
    }
    if (cap.channel !== 'any' && !Object.hasOwn(policy.channels, cap.channel))
      problems.push({ field: formatFieldPath(['frequencyCaps', i, 'channel']), message: `channel "${cap.channel}" is not in channels` });
  });
  if (!isTimeZone(policy.defaultTimezone))
    problems.push({ field: 'defaultTimezone', message: `unknown time zone "${policy.defaultTimezone}"` });
  for (const [name, channel] of Object.entries(policy.channels)) {
    if (!destinations.has(channel.destination))
      problems.push({
        field: formatFieldPath(['channels', name, 'destination']),
        message: `no destination has id "${channel.destination}"`,
      });
  }
  policy.quietHours?.channels?.forEach((c, i) => {
    if (!Object.hasOwn(policy.channels, c))
      problems.push({ field: formatFieldPath(['quietHours', 'channels', i]), message: `channel "${c}" is not in channels` });
  });
  return problems;
}
