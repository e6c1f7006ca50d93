/**
 * The send decision: `decideSend(input)` decides what one journey send does for one profile, the server
 * applies it (claim, decision record, outbox row) in one transaction. Pure and deterministic: no clock, no
 * store, no logger, so each rule is a table test (send-decide.test.ts names one test per rule).
 *
 * The rules, in order; the first that stops decides the outcome, and every rule's verdict is kept so
 * `GET /v1/messages/{id}` can explain the decision rule by rule:
 *
 * S1. Holdout: an instance in the journey's holdout group (a stable hash of journey and profile, fixed when
 *     it entered) sends nothing: `held_out`.
 * S2. Exit: an instance that met an exit rule or the goal before this send sends nothing: `exited`.
 * S3. Dedupe: the send claims (profile, dedupeKey). A claim held by another send (any journey, any channel)
 *     that has not expired (its `ttl`, 7 days by default) stops it: `skipped_duplicate`. The claim of the same
 *     send (a deferred send tried again) passes. Across a merge the earliest claim of the merged profiles
 *     counts (the caller passes it). The claim is kept only by `sent` and `deferred_quiet`.
 * S4. Consent, per channel: a channel the policy does not name is ineligible; an `opt_in` channel needs the
 *     profile's consent category of the channel's name granted; an `opt_out` channel is eligible unless it
 *     is explicitly refused.
 * S5. Reachability, per channel: the channel's contact point (`contact`, by default `email` for a channel
 *     named email, `phone` for sms, `push_token` for push) must be on the profile and not bounced.
 *     No channel left after S4 and S5: `skipped_consent` when every channel failed S4, else
 *     `skipped_no_channel`.
 * S6. Frequency caps, per channel: every cap whose channel is `any` or this channel, and whose tag (if any)
 *     is one of the send's tags, counts the profile's sends in its window (the last `per` when rolling; with
 *     `calendar_user_tz` the local calendar days of the profile's time zone, today and the `per` − 1 days
 *     before). A channel at `max` is capped; none left: `skipped_cap`.
 * S7. Quiet hours: channels of the quiet-hours list (all when it has none) are out while the profile's
 *     local time is inside the window. None left: with fallback `defer` the send waits until the window
 *     ends (`deferred_quiet`, claim kept), with `drop` it is `dropped_quiet`.
 * S8. Channel choice among what is left: `first_eligible` takes the first in the send's order;
 *     `best_engagement` the highest engagement count, ties in the send's order.
 * S9. Outbox: `sent` on the chosen channel; the caller writes the claim, the decision and the delivery to
 *     the channel's destination in one transaction.
 *
 * The time zone (for S6 and S7) is the profile's trait named by `timezoneTrait`, else the `context.timezone`
 * of its latest event, else the policy's `defaultTimezone` (`profileTimeZone`); an unknown zone is skipped.
 */
import type { DecisionOutcome, MessagingPolicy, RuleVerdict } from '../api/messaging-api.ts';
import { journeyDurationMs } from './messaging-duration.ts';
import { isTimeZone, startOfLocalDay, windowEnd } from './zoned-time.ts';

/** The default claim lifetime of a send without `ttl`. */
export const DEFAULT_CLAIM_TTL_MS = 7 * 86_400_000;

/** A profile's contact point for a channel. */
export interface ContactPoint {
  value: string;
  bounced?: boolean;
}

/** What one send decision reads. */
export interface SendInput {
  now: Date;
  /** The sending instance: `owner` names this send (`instanceId:stepIndex`) for claims. */
  owner: string;
  heldOut: boolean;
  /** Why the instance ended before this send, if it did (`goal`, `exit_rule`). */
  exited?: string;
  send: { channels: string[]; choose?: 'first_eligible' | 'best_engagement'; tags?: string[] };
  dedupeKey: string;
  /** The earliest live claim of (profile, dedupeKey) over the profile and those merged into it. */
  claim?: { owner: string; claimedAt: string; expiresAt: string };
  policy: MessagingPolicy;
  consent: Record<string, { granted: boolean }>;
  /** Contact points by type (`email`, `phone`, `push_token`). */
  contacts: Record<string, ContactPoint>;
  timeZone: string;
  /** The profile's sends (time, channel, tags) since at least the longest cap window. */
  recentSends: Array<{ at: string; channel: string; tags?: string[] }>;
  /** Engagement counts per channel (clicks, opens), for `best_engagement`. */
  engagement?: Record<string, number>;
}

/** The decision. */
export interface SendDecision {
  outcome: DecisionOutcome;
  channel?: string;
  /** `take`: record this send's claim (S3) unless it holds it already; `none`: no claim. */
  claim: 'take' | 'none';
  deferredUntil?: string;
  rules: RuleVerdict[];
}

const DEFAULT_CONTACT: Record<string, string> = { email: 'email', sms: 'phone', push: 'push_token' };

/** The contact type a channel needs (`undefined`: none, e.g. a webhook channel). */
export function channelContact(name: string, policy: MessagingPolicy): string | undefined {
  return policy.channels[name]?.contact ?? DEFAULT_CONTACT[name];
}

/** The profile's time zone: the trait, else the latest event's `context.timezone`, else the default. */
export function profileTimeZone(policy: MessagingPolicy, traits: Record<string, unknown>, contextTimeZone?: string): string {
  for (const candidate of [traits[policy.timezoneTrait], contextTimeZone]) {
    if (typeof candidate === 'string' && isTimeZone(candidate)) return candidate;
  }
  return policy.defaultTimezone;
}

/** Decides one send (see the rules above). */
export function decideSend(input: SendInput): SendDecision {
  const rules: RuleVerdict[] = [];
  const stop = (rule: string, outcome: DecisionOutcome, detail: string, extra: Partial<SendDecision> = {}): SendDecision => {
    rules.push({ rule, result: 'stop', detail });
    return { outcome, claim: 'none', rules, ...extra };
  };
  const pass = (rule: string, detail: string) => rules.push({ rule, result: 'pass', detail });

  if (input.heldOut) return stop('S1 holdout', 'held_out', 'the profile is in the holdout group');
  pass('S1 holdout', 'in the treated group');
  if (input.exited) return stop('S2 exit', 'exited', `the instance ended (${input.exited})`);
  pass('S2 exit', 'no exit rule met');

  const claim = input.claim;
  if (claim && claim.owner !== input.owner && Date.parse(claim.expiresAt) > input.now.getTime()) {
    return stop('S3 dedupe', 'skipped_duplicate', `"${input.dedupeKey}" was claimed at ${claim.claimedAt} by ${claim.owner}`);
  }
  pass('S3 dedupe', claim?.owner === input.owner ? `"${input.dedupeKey}" is already this send's` : `"${input.dedupeKey}" claimed`);

  const consented: string[] = [];
  const consentWhy: string[] = [];
  for (const channel of input.send.channels) {
    const config = input.policy.channels[channel];
    const granted = input.consent[channel]?.granted;
    if (!config) consentWhy.push(`${channel}: not in the policy`);
    else if (config.consent === 'opt_in' && granted !== true) consentWhy.push(`${channel}: no opt-in`);
    else if (config.consent === 'opt_out' && granted === false) consentWhy.push(`${channel}: opted out`);
    else consented.push(channel);
  }
  if (consented.length === 0) return stop('S4 consent', 'skipped_consent', consentWhy.join('; '));
  pass('S4 consent', `eligible: ${consented.join(', ')}${consentWhy.length ? ` (${consentWhy.join('; ')})` : ''}`);

  const reachable: string[] = [];
  const reachWhy: string[] = [];
  for (const channel of consented) {
    const contact = channelContact(channel, input.policy);
    const point = contact === undefined ? undefined : input.contacts[contact];
    if (contact !== undefined && !point) reachWhy.push(`${channel}: no ${contact}`);
    else if (point?.bounced) reachWhy.push(`${channel}: ${contact} bounced`);
    else reachable.push(channel);
  }
  if (reachable.length === 0) return stop('S5 reachability', 'skipped_no_channel', reachWhy.join('; '));
  pass('S5 reachability', `reachable: ${reachable.join(', ')}`);

  const uncapped: string[] = [];
  const capWhy: string[] = [];
  for (const channel of reachable) {
    const hit = input.policy.frequencyCaps.find((cap) => {
      if (cap.channel !== 'any' && cap.channel !== channel) return false;
      if (cap.tag !== undefined && !(input.send.tags ?? []).includes(cap.tag)) return false;
      const since = capWindowStart(input.now, journeyDurationMs(cap.per), input.policy.capCounting, input.timeZone);
      const count = input.recentSends.filter(
        (s) =>
          Date.parse(s.at) >= since &&
          (cap.channel === 'any' || s.channel === cap.channel) &&
          (cap.tag === undefined || (s.tags ?? []).includes(cap.tag)),
      ).length;
      return count >= cap.max;
    });
    if (hit) capWhy.push(`${channel}: ${hit.max} per ${String(hit.per)} reached (${hit.channel}${hit.tag ? `, tag ${hit.tag}` : ''})`);
    else uncapped.push(channel);
  }
  if (uncapped.length === 0) return stop('S6 frequency caps', 'skipped_cap', capWhy.join('; '));
  pass('S6 frequency caps', capWhy.length ? capWhy.join('; ') : 'under every cap');

  const quiet = input.policy.quietHours;
  let open = uncapped;
  if (quiet) {
    const end = windowEnd(input.now, input.timeZone, quiet.start, quiet.end);
    if (end) {
      open = uncapped.filter((c) => quiet.channels !== undefined && !quiet.channels.includes(c));
      if (open.length === 0) {
        const detail = `${quiet.start}–${quiet.end} in ${input.timeZone}`;
        if (quiet.fallback === 'defer')
          return stop('S7 quiet hours', 'deferred_quiet', `${detail}: deferred to ${end.toISOString()}`, {
            claim: 'take',
            deferredUntil: end.toISOString(),
          });
        return stop('S7 quiet hours', 'dropped_quiet', `${detail}: dropped`);
      }
      pass('S7 quiet hours', `quiet in ${input.timeZone}, open: ${open.join(', ')}`);
    } else pass('S7 quiet hours', `outside ${quiet.start}–${quiet.end} in ${input.timeZone}`);
  } else rules.push({ rule: 'S7 quiet hours', result: 'skip', detail: 'no quiet hours' });

  let channel = open[0] as string;
  let counts = '';
  if (input.send.choose === 'best_engagement') {
    for (const c of open) if ((input.engagement?.[c] ?? 0) > (input.engagement?.[channel] ?? 0)) channel = c;
    counts = ` (${open.map((c) => `${c} ${input.engagement?.[c] ?? 0}`).join(', ')})`;
  }
  pass('S8 channel choice', `${input.send.choose ?? 'first_eligible'}: ${channel}${counts}`);
  pass('S9 outbox', `to destination ${input.policy.channels[channel]?.destination ?? '?'}`);
  return { outcome: 'sent', channel, claim: 'take', rules };
}

/** The first instant a cap of `perMs` counts from (see S6). */
export function capWindowStart(now: Date, perMs: number, counting: MessagingPolicy['capCounting'], timeZone: string): number {
  if (counting === 'rolling') return now.getTime() - perMs;
  const days = Math.max(1, Math.round(perMs / 86_400_000));
  let start = startOfLocalDay(now, timeZone);
  // Step back whole local days (noon of the day before, then its midnight: DST days are 23 or 25 hours).
  for (let i = 1; i < days; i++) start = startOfLocalDay(new Date(start.getTime() - 12 * 3_600_000), timeZone);
  return start.getTime();
}
