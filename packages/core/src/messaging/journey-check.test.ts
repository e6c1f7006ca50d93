import { describe, expect, it } from 'vitest';
import type { JourneyInput } from '../api/messaging-api.ts';
import { checkJourney, checkPolicy } from './journey-check.ts';
import { isHeldOut } from './holdout-hash.ts';
import { parseDuration } from './messaging-duration.ts';
import { matchesAll, renderTemplate } from './message-template.ts';
import { branchConditionHolds, nextStepIndex } from './journey-step.ts';
import { isTimeZone } from './zoned-time.ts';

const CART: JourneyInput = {
  key: 'cart',
  trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
  exit: [{ event: 'Order Completed', match: { 'properties.cart_id': '{{trigger.properties.cart_id}}' } }],
  steps: [{ wait: '1h' }, { send: { message: 'reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['email'] } }],
};
const fields = (j: JourneyInput) => checkJourney(j, new Set(['email'])).map((p) => p.field);

describe('journey checks', () => {
  it('accepts the abandoned-cart journey', () => {
    expect(fields(CART)).toEqual([]);
  });
  it('names a negative wait, an unknown channel, a foreign template and a cyclic branch', () => {
    expect(fields({ ...CART, steps: [{ wait: '-5 minutes' }] })).toEqual(['steps[0].wait']);
    expect(fields({ ...CART, steps: [{ send: { message: 'm', dedupeKey: 'k', channels: ['fax'] } }] })).toEqual([
      'steps[0].send.channels[0]',
    ]);
    expect(fields({ ...CART, steps: [{ send: { message: 'm', dedupeKey: '{{traits.email}}', channels: ['email'] } }] })).toEqual([
      'steps[0].send.dedupeKey',
    ]);
    const cyclic: JourneyInput = {
      ...CART,
      steps: [{ id: 'a', wait: 60 }, { branch: { if: { path: 'traits.vip', equals: true }, then: 'a' } }],
    };
    expect(fields(cyclic)).toEqual(['steps[1].branch.then']);
    expect(fields({ ...CART, steps: [{ branch: { if: { path: 'traits.vip' }, then: 'self' }, id: 'self' }] })).toEqual([
      'steps[0].branch.then',
    ]);
  });
  it('checks email templates when the journey is created, naming the field', () => {
    const withEmail = (email: Record<string, string>) =>
      fields({ ...CART, steps: [{ send: { message: 'm', dedupeKey: 'k', channels: ['email'], email } }] });
    expect(
      withEmail({
        subject: 'Hi {{profile.traits.first_name | default: "there"}}',
        html: '<a href="https://s.example/c/{{trigger.properties.cart_id}}">cart</a>',
      }),
    ).toEqual([]);
    expect(withEmail({ subject: 'Hi {{customer.name}}' })).toEqual(['steps[0].send.email.subject']);
    expect(withEmail({ text: 'Hi {{profile.traits.first_name' })).toEqual(['steps[0].send.email.text']);
    expect(withEmail({ html: '{{trigger.properties.x | shout}}' })).toEqual(['steps[0].send.email.html']);
    const withContent = (content: Record<string, string>) =>
      fields({ ...CART, steps: [{ send: { message: 'm', dedupeKey: 'k', channels: ['email'], content } }] });
    expect(
      withContent({ title: 'Cart {{trigger.properties.cart_id}}', body: 'Hi {{profile.traits.first_name | default: "you"}}' }),
    ).toEqual([]);
    expect(withContent({ title: 'ok', body: 'Hi {{customer.name}}' })).toEqual(['steps[0].send.content.body']);
    expect(fields({ ...CART, exit: [{ event: 'Order Completed', match: { 'properties.cart_id': '{{profile.id}}' } }] })).toEqual([
      'exit[0].match["properties.cart_id"]',
    ]);
  });
  it('checks policy destinations, time zones and calendar caps', () => {
    const policy = {
      frequencyCaps: [{ channel: 'email', max: 1, per: '6h' }],
      capCounting: 'calendar_user_tz' as const,
      timezoneTrait: 'timezone',
      defaultTimezone: 'Nowhere/Town',
      channels: { email: { destination: 'nope', consent: 'opt_in' as const } },
    };
    expect(checkPolicy(policy, new Set(), isTimeZone).map((p) => p.field)).toEqual([
      'frequencyCaps[0].per',
      'defaultTimezone',
      'channels.email.destination',
    ]);
  });
});

describe('journey helpers', () => {
  it('durations accept seconds, minutes, hours and days, and refuse negatives and unknown units', () => {
    expect(parseDuration(90)).toEqual({ ms: 90_000 });
    expect(parseDuration('30s')).toEqual({ ms: 30_000 });
    expect(parseDuration('5 minutes')).toEqual({ ms: 300_000 });
    expect(parseDuration('2h')).toEqual({ ms: 7_200_000 });
    expect(parseDuration('1 day')).toEqual({ ms: 86_400_000 });
    expect(parseDuration('-5 minutes')).toHaveProperty('problem');
    expect(parseDuration('5 fortnights')).toHaveProperty('problem');
  });
  it('templates read the trigger; a missing value renders nothing', () => {
    const scope = { trigger: { properties: { cart_id: 'c7', n: 3 } } };
    expect(renderTemplate('cart:{{trigger.properties.cart_id}}', scope)).toBe('cart:c7');
    expect(renderTemplate('cart:{{ trigger.properties.nope }}', scope)).toBeUndefined();
    expect(matchesAll({ properties: { cart_id: 'c7' } }, { 'properties.cart_id': '{{trigger.properties.cart_id}}' }, scope)).toBe(true);
    expect(matchesAll({ properties: { cart_id: 'c8' } }, { 'properties.cart_id': '{{trigger.properties.cart_id}}' }, scope)).toBe(false);
  });
  it('holdouts are stable and near their percentage', () => {
    let held = 0;
    for (let i = 0; i < 10_000; i++) if (isHeldOut('cart', `p-${i}`, 10)) held++;
    expect(held).toBeGreaterThan(900);
    expect(held).toBeLessThan(1100);
    expect(isHeldOut('cart', 'p-1', 10)).toBe(isHeldOut('cart', 'p-1', 10));
    expect(isHeldOut('cart', 'p-1', 0)).toBe(false);
  });
  it('branches jump forward to then/else, conditions read trigger and traits', () => {
    const steps: JourneyInput['steps'] = [
      { branch: { if: { path: 'traits.vip', equals: true }, then: 'b', else: 'c' } },
      { id: 'b', wait: 1 },
      { id: 'c', wait: 1 },
    ];
    expect(nextStepIndex(steps, 0, true)).toBe(1);
    expect(nextStepIndex(steps, 0, false)).toBe(2);
    expect(branchConditionHolds({ path: 'traits.vip', equals: true }, { trigger: {}, traits: { vip: true } })).toBe(true);
    expect(branchConditionHolds({ path: 'trigger.properties.x', exists: true }, { trigger: { properties: {} }, traits: {} })).toBe(false);
  });
});
