import { describe, expect, it } from 'vitest';
import type { MessagingPolicy } from '../api/messaging-api.ts';
import type { SendInput } from './send-decide.ts';
import { capWindowStart, decideSend, profileTimeZone } from './send-decide.ts';

const POLICY: MessagingPolicy = {
  frequencyCaps: [],
  capCounting: 'rolling',
  timezoneTrait: 'timezone',
  defaultTimezone: 'UTC',
  channels: { email: { destination: 'd-mail', consent: 'opt_in' }, push: { destination: 'd-push', consent: 'opt_out' } },
};

function input(over: Partial<SendInput> = {}): SendInput {
  return {
    now: new Date('2026-03-10T12:00:00Z'),
    owner: 'i1:2',
    heldOut: false,
    send: { channels: ['email', 'push'] },
    dedupeKey: 'cart:c1',
    policy: POLICY,
    consent: { email: { granted: true } },
    contacts: { email: { value: 'a@x.io' }, push_token: { value: 't1' } },
    timeZone: 'UTC',
    recentSends: [],
    ...over,
  };
}

const stopped = (over: Partial<SendInput>) => {
  const d = decideSend(input(over));
  return { outcome: d.outcome, rule: d.rules.find((r) => r.result === 'stop')?.rule, channel: d.channel, claim: d.claim };
};

describe('decideSend rules', () => {
  it('S1 holdout: a held-out instance sends nothing and claims nothing', () => {
    expect(stopped({ heldOut: true })).toEqual({ outcome: 'held_out', rule: 'S1 holdout', channel: undefined, claim: 'none' });
  });

  it('S2 exit: an instance that met an exit rule sends nothing', () => {
    expect(stopped({ exited: 'exit_rule' }).outcome).toBe('exited');
  });

  it('S3 dedupe: a live claim of another send is skipped_duplicate; its own claim and an expired one pass', () => {
    const claim = { owner: 'other:2', claimedAt: '2026-03-10T11:00:00Z', expiresAt: '2026-03-17T11:00:00Z' };
    expect(stopped({ claim })).toMatchObject({ outcome: 'skipped_duplicate', rule: 'S3 dedupe' });
    expect(stopped({ claim: { ...claim, owner: 'i1:2' } }).outcome).toBe('sent');
    expect(stopped({ claim: { ...claim, expiresAt: '2026-03-10T11:59:59Z' } }).outcome).toBe('sent');
  });

  it('S4 consent: opt_in needs a grant, opt_out is refused only explicitly; none left is skipped_consent', () => {
    expect(stopped({ consent: {} })).toMatchObject({ outcome: 'sent', channel: 'push' });
    expect(stopped({ consent: { push: { granted: false } } })).toMatchObject({ outcome: 'skipped_consent', rule: 'S4 consent' });
    expect(stopped({ send: { channels: ['sms'] } }).outcome).toBe('skipped_consent');
  });

  it('S5 reachability: a channel needs its contact point, not bounced; none left is skipped_no_channel', () => {
    expect(stopped({ contacts: { push_token: { value: 't' } } }).channel).toBe('push');
    expect(stopped({ contacts: { email: { value: 'a@x.io', bounced: true } } })).toMatchObject({
      outcome: 'skipped_no_channel',
      rule: 'S5 reachability',
    });
  });

  it('S6 frequency caps: a channel at its cap is out; every channel capped is skipped_cap', () => {
    const policy = { ...POLICY, frequencyCaps: [{ channel: 'email', max: 1, per: '1 day' }] };
    const recentSends = [{ at: '2026-03-10T01:00:00Z', channel: 'email' }];
    expect(stopped({ policy, recentSends }).channel).toBe('push');
    const any = { ...POLICY, frequencyCaps: [{ channel: 'any', max: 1, per: '1 day' }] };
    expect(stopped({ policy: any, recentSends })).toMatchObject({ outcome: 'skipped_cap', rule: 'S6 frequency caps' });
    const tagged = { ...POLICY, frequencyCaps: [{ channel: 'any', tag: 'promo', max: 1, per: '1 day' }] };
    expect(stopped({ policy: tagged, recentSends }).outcome).toBe('sent');
  });

  it('S6 calendar caps count the local calendar day of the profile', () => {
    const policy: MessagingPolicy = {
      ...POLICY,
      capCounting: 'calendar_user_tz',
      frequencyCaps: [{ channel: 'any', max: 1, per: '1 day' }],
    };
    // 23:30 in New York (UTC−4) on the 9th is 03:30 UTC on the 10th: yesterday there, today in UTC.
    const recentSends = [{ at: '2026-03-10T03:30:00Z', channel: 'email' }];
    const now = new Date('2026-03-10T12:00:00Z');
    expect(stopped({ policy, recentSends, now, timeZone: 'America/New_York' }).outcome).toBe('sent');
    expect(stopped({ policy, recentSends, now, timeZone: 'UTC' }).outcome).toBe('skipped_cap');
  });

  it('S7 quiet hours: defer until the local window ends (claim kept), or drop; unlisted channels stay open', () => {
    const quiet = { start: '21:00', end: '08:00', fallback: 'defer' as const };
    const now = new Date('2026-03-10T07:00:00Z'); // 02:00 in Chicago (UTC−5 after the DST change of 8 March)
    const d = decideSend(input({ now, timeZone: 'America/Chicago', policy: { ...POLICY, quietHours: quiet } }));
    expect(d).toMatchObject({ outcome: 'deferred_quiet', claim: 'take', deferredUntil: '2026-03-10T13:00:00.000Z' });
    expect(stopped({ now, timeZone: 'America/Chicago', policy: { ...POLICY, quietHours: { ...quiet, fallback: 'drop' } } }).outcome).toBe(
      'dropped_quiet',
    );
    expect(
      stopped({ now, timeZone: 'America/Chicago', policy: { ...POLICY, quietHours: { ...quiet, channels: ['email'] } } }).channel,
    ).toBe('push');
    expect(stopped({ now, timeZone: 'Asia/Tokyo', policy: { ...POLICY, quietHours: quiet } }).outcome).toBe('sent');
  });

  it('S8 channel choice: first_eligible keeps the send order, best_engagement the highest count', () => {
    expect(stopped({}).channel).toBe('email');
    expect(stopped({ send: { channels: ['email', 'push'], choose: 'best_engagement' }, engagement: { push: 3, email: 1 } }).channel).toBe(
      'push',
    );
    expect(stopped({ send: { channels: ['email', 'push'], choose: 'best_engagement' } }).channel).toBe('email');
    // The explanation names the counts it compared.
    const best = decideSend(input({ send: { channels: ['email', 'push'], choose: 'best_engagement' }, engagement: { push: 3, email: 1 } }));
    expect(best.rules.find((r) => r.rule === 'S8 channel choice')?.detail).toBe('best_engagement: push (email 1, push 3)');
  });

  it('S9 outbox: a sent decision takes the claim and names the destination', () => {
    const d = decideSend(input());
    expect(d).toMatchObject({ outcome: 'sent', channel: 'email', claim: 'take' });
    expect(d.rules.map((r) => r.rule)).toEqual([
      'S1 holdout',
      'S2 exit',
      'S3 dedupe',
      'S4 consent',
      'S5 reachability',
      'S6 frequency caps',
      'S7 quiet hours',
      'S8 channel choice',
      'S9 outbox',
    ]);
    expect(d.rules.at(-1)?.detail).toContain('d-mail');
  });

  it('the time zone comes from the trait, else the event context, else the default', () => {
    expect(profileTimeZone(POLICY, { timezone: 'Europe/Berlin' }, 'Asia/Tokyo')).toBe('Europe/Berlin');
    expect(profileTimeZone(POLICY, { timezone: 'Mars/Base' }, 'Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(profileTimeZone(POLICY, {})).toBe('UTC');
  });

  it('a calendar window of two days starts at local midnight of yesterday', () => {
    const start = capWindowStart(new Date('2026-03-10T12:00:00Z'), 2 * 86_400_000, 'calendar_user_tz', 'Europe/Berlin');
    expect(new Date(start).toISOString()).toBe('2026-03-08T23:00:00.000Z');
  });
});
