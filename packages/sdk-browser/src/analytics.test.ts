import { describe, expect, it } from 'vitest';
import { createAnalytics } from './analytics.ts';
import type { AnalyticsOptions } from './analytics.ts';
import type { SdkEvent } from './event-builder.ts';
import {
  createManualClock,
  createManualLifecycle,
  createMemoryStorage,
  createRecordingLogger,
  createRecordingTransport,
  createStaticPage,
} from './memory-ports.ts';
import { SDK_LIBRARY } from './sdk-version.ts';

/** An analytics instance over in-memory ports; `sent()` flushes and returns every event sent so far. */
function setup(overrides: Omit<Partial<AnalyticsOptions>, 'transport' | 'clock' | 'lifecycle' | 'logger'> = {}) {
  let n = 0;
  const ports = {
    storage: overrides.storage ?? createMemoryStorage(),
    transport: createRecordingTransport(),
    clock: createManualClock(Date.UTC(2024, 4, 1, 12)),
    page: overrides.page ?? createStaticPage(),
    lifecycle: createManualLifecycle(),
    logger: createRecordingLogger(),
    newId: 'newId' in overrides ? overrides.newId : () => `id-${++n}`,
  };
  const analytics = createAnalytics({ writeKey: 'wk', host: 'https://kin.example/', flushAt: 100, ...overrides, ...ports });
  const sent = async (): Promise<SdkEvent[]> => {
    await analytics.flush();
    return ports.transport.requests.flatMap((r) => (JSON.parse(r.body) as { batch: SdkEvent[] }).batch);
  };
  return { analytics, sent, ...ports };
}

describe('createAnalytics', () => {
  it('sends Segment-spec events with the automatic context to {host}/v1/batch', async () => {
    const { analytics, sent, transport } = setup();
    analytics.track('Order Completed', { total: 42 });
    const [event] = await sent();
    expect(transport.requests[0]?.url).toBe('https://kin.example/v1/batch');
    expect(event).toEqual({
      type: 'track',
      event: 'Order Completed',
      properties: { total: 42 },
      messageId: 'id-2',
      anonymousId: 'id-1',
      userId: null,
      timestamp: '2024-05-01T12:00:00.000Z',
      integrations: {},
      context: {
        library: SDK_LIBRARY,
        page: {
          path: '/products',
          referrer: '',
          search: '?ref=1',
          title: 'Shop',
          url: 'https://shop.example/products?ref=1',
        },
        userAgent: 'test-agent',
        locale: 'en-GB',
        timezone: 'Europe/London',
      },
    });
  });

  it('copies user traits into context.traits of later events, and sends merged traits on identify', async () => {
    const { analytics, sent } = setup();
    analytics.identify('u1', { email: 'a@example.com' });
    analytics.identify({ plan: 'pro' });
    analytics.track('Clicked');
    const [first, second, track] = await sent();
    expect(first).toMatchObject({ type: 'identify', userId: 'u1', traits: { email: 'a@example.com' } });
    expect(first?.context['traits']).toBeUndefined();
    expect(second).toMatchObject({ userId: 'u1', traits: { email: 'a@example.com', plan: 'pro' } });
    expect(track).toMatchObject({ userId: 'u1', context: { traits: { email: 'a@example.com', plan: 'pro' } } });
  });

  it('reset gives the next person a new anonymous id, no user id and no traits', async () => {
    const { analytics, sent } = setup();
    analytics.identify('u1', { email: 'a@example.com' });
    const before = analytics.user().anonymousId();
    analytics.reset();
    analytics.track('After');
    const events = await sent();
    const after = events[events.length - 1];
    expect(after?.anonymousId).not.toBe(before);
    expect(after?.anonymousId).toBe(analytics.user().anonymousId());
    expect(after?.userId).toBeNull();
    expect(after?.context['traits']).toBeUndefined();
    expect(analytics.user().id()).toBeUndefined();
    expect(analytics.user().traits()).toEqual({});
  });

  it('sends the identity proof (userHash, identityToken) with the identify call and every later event of that user', async () => {
    const { analytics, sent } = setup();
    analytics.identify('u1', { email: 'a@example.com' }, { userHash: 'ab'.repeat(32) });
    analytics.track('Clicked');
    analytics.identify('u1', { plan: 'pro' });
    const [identify, track, again] = await sent();
    expect(identify?.context).toMatchObject({ userHash: 'ab'.repeat(32) });
    expect(track).toMatchObject({ userId: 'u1', context: { userHash: 'ab'.repeat(32) } });
    // The same user id without a new proof keeps the old one.
    expect(again?.context['userHash']).toBe('ab'.repeat(32));
  });

  it('takes the proof from options.context too (analytics.js style); another user or reset drops it', async () => {
    const { analytics, sent } = setup();
    analytics.identify('u1', {}, { context: { identityToken: 'jwt.of.u1', locale: 'fr-FR' } });
    analytics.identify('u2', {});
    analytics.identify('u3', {}, { identityToken: 'jwt.of.u3' });
    analytics.reset();
    analytics.track('Anonymous');
    const [first, other, third, anonymous] = await sent();
    expect(first?.context).toMatchObject({ identityToken: 'jwt.of.u1', locale: 'fr-FR' });
    expect(other?.context['identityToken']).toBeUndefined();
    expect(third?.context['identityToken']).toBe('jwt.of.u3');
    expect(anonymous?.context['identityToken']).toBeUndefined();
    expect(anonymous?.context['userHash']).toBeUndefined();
  });

  it('puts UTM parameters into context.campaign', async () => {
    const page = createStaticPage({ url: 'https://shop.example/?utm_source=mail&utm_campaign=spring' });
    const { analytics, sent } = setup({ page });
    analytics.track('Viewed');
    const [event] = await sent();
    expect(event?.context['campaign']).toEqual({ source: 'mail', name: 'spring' });
  });

  it('keeps the kin_link token of the landing URL for the session, until reset', async () => {
    const landing = setup({ page: createStaticPage({ url: 'https://shop.example/?kin_link=lnk_9' }) });
    landing.analytics.track('Landed');
    expect((await landing.sent())[0]?.context['kin']).toEqual({ link: 'lnk_9' });

    const nextPage = setup({ storage: landing.storage });
    nextPage.analytics.track('Browsed');
    expect((await nextPage.sent())[0]?.context['kin']).toEqual({ link: 'lnk_9' });

    nextPage.analytics.reset();
    nextPage.analytics.track('After reset');
    const events = await nextPage.sent();
    expect(events[events.length - 1]?.context['kin']).toBeUndefined();
  });

  it('accepts the analytics.js page() overloads and defaults properties to the page', async () => {
    const { analytics, sent } = setup();
    analytics.page();
    analytics.page('Pricing');
    analytics.page('Docs', 'Install', { section: 'npm' });
    analytics.page({ custom: true });
    const [bare, named, full, propsOnly] = await sent();
    expect(bare).toMatchObject({ type: 'page', properties: { path: '/products', title: 'Shop' } });
    expect(bare?.name).toBeUndefined();
    expect(named).toMatchObject({ name: 'Pricing', properties: { name: 'Pricing' } });
    expect(full).toMatchObject({
      name: 'Install',
      properties: { name: 'Install', category: 'Docs', section: 'npm', url: 'https://shop.example/products?ref=1' },
    });
    expect(propsOnly).toMatchObject({ properties: { custom: true, path: '/products' } });
  });

  it('sends group and alias with analytics.js defaults', async () => {
    const { analytics, sent } = setup();
    analytics.group('g1', { name: 'Acme' });
    analytics.alias('u9');
    analytics.identify('u1');
    analytics.alias('u2');
    const [group, anonymousAlias, , alias] = await sent();
    expect(group).toMatchObject({ type: 'group', groupId: 'g1', traits: { name: 'Acme' } });
    expect(anonymousAlias).toMatchObject({ type: 'alias', userId: 'u9', previousId: 'id-1' });
    expect(alias).toMatchObject({ type: 'alias', userId: 'u2', previousId: 'u1' });
  });

  it('gives every event its own messageId', async () => {
    const { analytics, sent } = setup({ newId: undefined });
    analytics.track('a');
    analytics.track('b');
    const ids = (await sent()).map((e) => e.messageId);
    expect(new Set(ids).size).toBe(2);
  });

  it('beacons the queue when the page is hidden', () => {
    const { analytics, lifecycle, transport } = setup();
    analytics.track('Leaving');
    lifecycle.hide();
    expect(transport.beacons).toHaveLength(1);
    expect(transport.beacons[0]?.url).toBe('https://kin.example/v1/batch');
    expect(transport.requests).toHaveLength(0);
  });

  it('batches by flushAt without an explicit flush', async () => {
    const { analytics, transport, clock } = setup({ flushAt: 2 });
    analytics.track('a');
    await clock.advance(0);
    expect(transport.requests).toHaveLength(0);
    analytics.track('b');
    await clock.advance(0);
    expect(transport.requests).toHaveLength(1);
  });

  it('calls ready callbacks asynchronously', async () => {
    const { analytics } = setup();
    let called = false;
    analytics.ready(() => {
      called = true;
    });
    expect(called).toBe(false);
    await Promise.resolve();
    expect(called).toBe(true);
  });
});
