/**
 * The SDK's events must look like analytics.js's on the wire, so every consumer of Segment-shaped data
 * (Kin's validator, warehouses, destinations) reads them unchanged. Compared against core's golden
 * fixtures, recorded from analytics.js.
 */
import { identifyFixture, pageFixture, trackFixture } from '@kin/core/spec/fixtures/index.ts';
import type { WireFixture } from '@kin/core/spec/fixtures/index.ts';
import { describe, expect, it } from 'vitest';
import { createAnalytics } from './analytics.ts';
import type { SdkEvent } from './event-builder.ts';
import {
  createManualClock,
  createManualLifecycle,
  createMemoryStorage,
  createRecordingLogger,
  createRecordingTransport,
  createStaticPage,
} from './memory-ports.ts';
import type { PageEnvironment } from './sdk-ports.ts';

/**
 * Keys that differ by transport, not by event: the SDK posts to /v1/batch, whose envelope carries
 * `writeKey` and `sentAt` once; `_metadata` is analytics.js's bookkeeping of bundled destinations.
 */
const ENVELOPE_KEYS = ['writeKey', 'sentAt'];
const ANALYTICS_JS_ONLY = ['_metadata'];

async function sendOne(page: PageEnvironment, call: (a: ReturnType<typeof createAnalytics>) => void) {
  const transport = createRecordingTransport();
  const analytics = createAnalytics({
    writeKey: 'wk',
    host: 'https://kin.example',
    storage: createMemoryStorage(),
    transport,
    clock: createManualClock(),
    page,
    lifecycle: createManualLifecycle(),
    logger: createRecordingLogger(),
  });
  call(analytics);
  await analytics.flush();
  const body = JSON.parse(transport.requests[0]?.body ?? '{}') as Record<string, unknown> & { batch: SdkEvent[] };
  const event = body.batch[body.batch.length - 1];
  if (!event) throw new Error('no event sent');
  return { event, envelopeKeys: Object.keys(body).filter((key) => key !== 'batch') };
}

const sorted = (keys: Iterable<string>): string[] => [...new Set(keys)].sort();
const fixtureKeys = (fixture: WireFixture): string[] => sorted(Object.keys(fixture.body).filter((key) => !ANALYTICS_JS_ONLY.includes(key)));
const contextKeys = (fixture: WireFixture): string[] => sorted(Object.keys(fixture.body['context'] as object));

describe('wire parity with analytics.js golden fixtures', () => {
  it('track: same top-level and context keys', async () => {
    const { event, envelopeKeys } = await sendOne(createStaticPage(), (a) => a.track('Order Completed', { total: 27.5 }));
    expect(sorted(envelopeKeys)).toEqual(sorted(ENVELOPE_KEYS));
    expect(sorted([...Object.keys(event), ...envelopeKeys])).toEqual(fixtureKeys(trackFixture));
    expect(sorted(Object.keys(event.context))).toEqual(contextKeys(trackFixture));
  });

  it('identify: same top-level and context keys (with User-Agent Client Hints)', async () => {
    const page = createStaticPage({ userAgentData: { brands: [], mobile: false, platform: 'macOS' } });
    const { event, envelopeKeys } = await sendOne(page, (a) => a.identify('user_8f3a2c', { email: 'a@example.com' }));
    expect(sorted([...Object.keys(event), ...envelopeKeys])).toEqual(fixtureKeys(identifyFixture));
    expect(sorted(Object.keys(event.context))).toEqual(contextKeys(identifyFixture));
  });

  it('page: carries every fixture key, name on top and in properties, category in properties', async () => {
    const page = createStaticPage({ url: 'https://example.com/pricing?utm_source=google' });
    const { event, envelopeKeys } = await sendOne(page, (a) => a.page('Docs', 'Pricing'));
    // The page fixture omits `userId`, which analytics.js sends as null; the SDK always sends it.
    expect(sorted([...Object.keys(event), ...envelopeKeys])).toEqual(sorted([...fixtureKeys(pageFixture), 'userId']));
    expect(sorted(Object.keys(event.context))).toEqual(contextKeys(pageFixture));
    expect(sorted(Object.keys(event.properties ?? {}))).toEqual(sorted(Object.keys(pageFixture.body['properties'] as object)));
  });
});
