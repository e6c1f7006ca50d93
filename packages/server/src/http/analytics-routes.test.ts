import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestJourneys } from '../analytics/analytics-conformance.ts';
import { generateJourneys, JOURNEY_FUNNEL } from '../demo/journey-data.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';

const journeys = generateJourneys({ seed: 7, shoppers: 60, start: new Date('2026-09-01T00:00:00.000Z'), days: 20 });
const range = { from: journeys.from, to: journeys.to };
const funnel = { steps: JOURNEY_FUNNEL.map((event) => ({ event })), ...range };
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await ingestJourneys(t.store, journeys);
});
afterAll(() => t.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  t.admin(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

describe('analytics routes', () => {
  it('funnel: stitched and unstitched answers with meta', async () => {
    const profile = (await (await post('/v1/analytics/funnel', funnel)).json()) as {
      steps: Array<{ count: number }>;
      meta: { eventsScanned: number };
    };
    const anonymous = (await (await post('/v1/analytics/funnel', { ...funnel, unit: 'anonymous_id' })).json()) as typeof profile;
    expect(profile.steps).toHaveLength(5);
    expect(profile.meta.eventsScanned).toBeGreaterThan(0);
    expect(profile.steps[4]?.count).toBeGreaterThan(anonymous.steps[4]?.count as number);
  });

  it('funnel actors by query string; paths; attribution with compare; one conversion explained', async () => {
    const actors = await t.admin(
      `/v1/analytics/funnel/actors?definition=${encodeURIComponent(JSON.stringify(funnel))}&step=4&dropped=true&limit=5`,
    );
    expect(actors.status).toBe(200);
    expect(((await actors.json()) as { data: unknown[] }).data.length).toBeLessThanOrEqual(5);
    const paths = await post('/v1/analytics/paths', { node: 'channel_event', steps: 4, ...range });
    expect(((await paths.json()) as { edges: unknown[] }).edges.length).toBeGreaterThan(0);
    const attribution = await post('/v1/analytics/attribution', {
      conversion: { event: 'Order Completed', value: 'properties.total' },
      compare: { units: ['profile', 'anonymous_id'] },
      ...range,
    });
    const body = (await attribution.json()) as { results: Record<string, Record<string, unknown>>; onlyStitchingExplains: number };
    expect(Object.keys(body.results.profile ?? {})).toHaveLength(7);
    expect(Object.keys(body.results)).toEqual(['profile', 'anonymous_id']);
    const purchase = journeys.events.find((e) => e.event['event'] === 'Order Completed');
    const explain = await t.admin(
      `/v1/analytics/attribution/conversions/${String(purchase?.event['messageId'])}?models=linear,first_touch`,
    );
    expect(explain.status).toBe(200);
    expect(((await explain.json()) as { conversion: { messageId: string } }).conversion.messageId).toBe(purchase?.event['messageId']);
    expect((await t.admin('/v1/analytics/attribution/conversions/nope')).status).toBe(404);
  });

  it.each([
    ['10,000 steps', '/v1/analytics/funnel', { ...funnel, steps: Array.from({ length: 10_000 }, () => ({ event: 'x' })) }, 'steps'],
    ['a window of -1 day', '/v1/analytics/funnel', { ...funnel, window: { days: -1 } }, 'window.days'],
    ['stepWindows of the wrong length', '/v1/analytics/funnel', { ...funnel, stepWindows: [null] }, 'stepWindows'],
    ['an unknown order', '/v1/analytics/funnel', { ...funnel, order: 'sideways' }, 'order'],
    ['to before from', '/v1/analytics/funnel', { ...funnel, from: range.to, to: range.from }, 'to'],
    [
      'a bad condition path',
      '/v1/analytics/funnel',
      { ...funnel, steps: [{ event: 'x', where: [{ path: 'payload', op: 'eq', value: 1 }] }] },
      'steps[0].where[0].path',
    ],
    ['an unknown unit', '/v1/analytics/paths', { ...range, unit: 'cookie' }, 'unit'],
    ['21 path steps', '/v1/analytics/paths', { ...range, steps: 21 }, 'steps'],
    [
      'an unknown model',
      '/v1/analytics/attribution',
      { conversion: { event: 'Order Completed' }, models: ['magic'], ...range },
      'models[0]',
    ],
    [
      'an unknown dimension',
      '/v1/analytics/attribution',
      { conversion: { event: 'Order Completed' }, touchpoints: { dimension: 'weather' }, ...range },
      'touchpoints.dimension',
    ],
    // The tracking API refuses NUL in an event name (invalid_text), so no stored event could match one.
    ['a NUL in the event name of a step', '/v1/analytics/funnel', { ...funnel, steps: [{ event: 'a\u0000b' }] }, 'steps[0].event'],
    ['a NUL in an exclusion', '/v1/analytics/funnel', { ...funnel, exclusions: [{ event: '\u0000' }] }, 'exclusions[0].event'],
    ['a NUL in the start event', '/v1/analytics/paths', { ...range, start: 'a\u0000' }, 'start'],
    ['a NUL in an excluded event', '/v1/analytics/paths', { ...range, exclude: ['ok', 'a\u0000'] }, 'exclude[1]'],
    ['a NUL in the conversion', '/v1/analytics/attribution', { conversion: { event: 'Order\u0000' }, ...range }, 'conversion.event'],
    [
      'a lone surrogate in a touchpoint event',
      '/v1/analytics/attribution',
      { conversion: { event: 'Order Completed' }, touchpoints: { events: ['\ud800'] }, ...range },
      'touchpoints.events[0]',
    ],
    // Named like every admin body's unknown key (admin-body.ts); the analytics parser used to leave it unnamed.
    ['an unknown field', '/v1/analytics/attribution', { conversion: { event: 'Order Completed' }, colour: 'red', ...range }, 'colour'],
  ])('400 invalid_query naming the field: %s', async (_name, path, body, field) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; field?: string } }).error;
    expect(error.code).toBe('invalid_query');
    expect(error.field).toBe(field);
  });

  it('needs the analytics:read scope: a profiles:read token gets 403', async () => {
    const issued = (await (await post('/v1/tokens', { name: 'support', scopes: ['profiles:read'] })).json()) as { secret: string };
    const headers = { authorization: `Bearer ${issued.secret}`, 'content-type': 'application/json' };
    expect((await t.app.request('/v1/analytics/funnel', { method: 'POST', body: JSON.stringify(funnel), headers })).status).toBe(403);
    const reader = (await (await post('/v1/tokens', { name: 'analyst', scopes: ['analytics:read'] })).json()) as { secret: string };
    const allowed = await t.app.request('/v1/analytics/funnel', {
      method: 'POST',
      body: JSON.stringify(funnel),
      headers: { ...headers, authorization: `Bearer ${reader.secret}` },
    });
    expect(allowed.status).toBe(200);
  });

  it('needs the admin token', async () => {
    const res = await t.app.request('/v1/analytics/funnel', {
      method: 'POST',
      body: JSON.stringify(funnel),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
  });

  it('a query past its time limit answers 503 query_timeout', async () => {
    const slow = await createTestApp({ env: { KIN_ANALYTICS_TIMEOUT_MS: '1' } });
    // Events to read (a scan of an empty store can end within the millisecond).
    await ingestJourneys(slow.store, journeys);
    try {
      const res = await slow.admin('/v1/analytics/paths', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ node: 'channel_event', from: '2025-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' }),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('query_timeout');
    } finally {
      await slow.close();
    }
  });
});
