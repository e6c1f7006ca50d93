import { describe, expect, it } from 'vitest';
import type { SdkEvent } from './event-builder.ts';
import { chunk, createEventQueue } from './event-queue.ts';
import type { EventQueueOptions } from './event-queue.ts';
import { createManualClock, createMemoryStore, createRecordingLogger, createRecordingTransport } from './memory-ports.ts';
import type { KeyValueStore } from './sdk-ports.ts';

const event = (n: number): SdkEvent => ({
  type: 'track',
  event: `e${n}`,
  messageId: `m${n}`,
  anonymousId: 'anon',
  userId: null,
  timestamp: '2024-01-01T00:00:00.000Z',
  context: {},
  integrations: {},
});

function setup(overrides: Partial<EventQueueOptions> = {}, statuses: number[] = []) {
  const deps = {
    store: overrides.store ?? (createMemoryStore() as KeyValueStore),
    transport: createRecordingTransport(statuses),
    clock: createManualClock(),
    logger: createRecordingLogger(),
  };
  const options: EventQueueOptions = {
    writeKey: 'wk',
    url: 'https://kin.example/v1/batch',
    flushAt: 3,
    flushInterval: 5_000,
    retry: { baseMs: 1_000, maxMs: 60_000, maxAttempts: 4 },
    maxQueueSize: 100,
    random: () => 0.5,
    ...overrides,
    ...deps,
  };
  return { ...deps, queue: createEventQueue(options) };
}

const sentIds = (body: string): string[] => (JSON.parse(body) as { batch: SdkEvent[] }).batch.map((e) => e.messageId);

describe('createEventQueue', () => {
  it('sends once flushAt events are queued, with auth header and writeKey in the body', async () => {
    const { queue, transport, clock } = setup();
    queue.enqueue(event(1));
    queue.enqueue(event(2));
    await clock.advance(0);
    expect(transport.requests).toHaveLength(0);
    queue.enqueue(event(3));
    await clock.advance(0);
    expect(transport.requests).toHaveLength(1);
    const [request] = transport.requests;
    expect(request?.url).toBe('https://kin.example/v1/batch');
    expect(request?.headers['Authorization']).toBe(`Basic ${btoa('wk:')}`);
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['batch', 'sentAt', 'writeKey']);
    expect(body['writeKey']).toBe('wk');
    expect(body['sentAt']).toBe(new Date(clock.now()).toISOString());
    expect(sentIds(request?.body ?? '')).toEqual(['m1', 'm2', 'm3']);
    expect(queue.entries()).toEqual([]);
  });

  it('sends a partial batch after flushInterval', async () => {
    const { queue, transport, clock } = setup();
    queue.enqueue(event(1));
    await clock.advance(4_999);
    expect(transport.requests).toHaveLength(0);
    await clock.advance(1);
    expect(transport.requests).toHaveLength(1);
  });

  it('persists queued events so a new instance (a reload) sends them', async () => {
    const first = setup({ flushAt: 10 });
    first.queue.enqueue(event(1));
    first.queue.enqueue(event(2));
    const second = setup({ store: first.store, flushAt: 10 });
    expect(second.queue.entries().map((e) => e.event.messageId)).toEqual(['m1', 'm2']);
    await second.clock.advance(0);
    expect(sentIds(second.transport.requests[0]?.body ?? '')).toEqual(['m1', 'm2']);
    expect(first.store.get('kin_queue')).toBeUndefined();
  });

  it('retries 5xx, 429 and network errors on an exponential schedule with jitter, then delivers', async () => {
    const { queue, transport, clock } = setup({ flushAt: 1 }, [503, 429, 0]);
    queue.enqueue(event(1));
    await clock.advance(0);
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [next] = clock.pending();
      delays.push(next?.ms ?? -1);
      await clock.advance(next?.ms ?? 0);
    }
    expect(delays).toEqual([750, 1_500, 3_000]);
    expect(transport.requests.map((r) => sentIds(r.body))).toEqual([['m1'], ['m1'], ['m1'], ['m1']]);
    expect(queue.entries()).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });

  it('keeps the items Kin refused for now (rate_limited in a 200 answer) and sends them again after the backoff', async () => {
    const { queue, transport, clock } = setup();
    const rejected = [1, 2].map((index) => ({ index, code: 'rate_limited', field: `batch[${index}]`, message: 'over the limit' }));
    transport.bodies.push(JSON.stringify({ success: true, accepted: 1, duplicates: 0, rejected }));
    [1, 2, 3].forEach((n) => queue.enqueue(event(n)));
    await clock.advance(0);
    expect(queue.entries().map((e) => [e.event.messageId, e.attempts])).toEqual([
      ['m2', 1],
      ['m3', 1],
    ]);
    const [next] = clock.pending();
    expect(next?.ms).toBe(750);
    await clock.advance(750);
    expect(transport.requests.map((r) => sentIds(r.body))).toEqual([
      ['m1', 'm2', 'm3'],
      ['m2', 'm3'],
    ]);
    expect(queue.entries()).toEqual([]);
  });

  it('does not send again the items refused for good (an invalid item)', async () => {
    const { queue, transport, clock } = setup();
    transport.bodies.push(
      JSON.stringify({
        success: true,
        accepted: 2,
        duplicates: 0,
        rejected: [{ index: 0, code: 'invalid_event', field: 'batch[0].event', message: 'bad' }],
      }),
    );
    [1, 2, 3].forEach((n) => queue.enqueue(event(n)));
    await clock.advance(0);
    expect(queue.entries()).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });

  it('holds new events during a backoff instead of sending them early', async () => {
    const { queue, transport, clock } = setup({ flushAt: 1 }, [500]);
    queue.enqueue(event(1));
    await clock.advance(0);
    queue.enqueue(event(2));
    await clock.advance(0);
    expect(transport.requests).toHaveLength(1);
    await clock.advance(750);
    expect(transport.requests.map((r) => sentIds(r.body))).toEqual([['m1'], ['m1', 'm2']]);
  });

  it('does not cut a backoff short for events enqueued while the failing send was in flight', async () => {
    const { queue, transport, clock } = setup({ flushAt: 1 }, [503]);
    // Hold the first answer until two more events have been queued behind the in-flight send.
    let answer = (): void => undefined;
    const send = transport.send.bind(transport);
    transport.send = (request) => new Promise((resolve) => (answer = () => resolve(send(request))));
    queue.enqueue(event(1));
    await clock.advance(0);
    transport.send = send;
    queue.enqueue(event(2));
    queue.enqueue(event(3));
    answer();
    await clock.advance(0);
    expect(transport.requests).toHaveLength(1);
    await clock.advance(750);
    expect(transport.requests.map((r) => sentIds(r.body))).toEqual([['m1'], ['m1', 'm2', 'm3']]);
  });

  it('ignores malformed stored entries', async () => {
    const store = createMemoryStore();
    store.set('kin_queue', JSON.stringify([null, { attempts: 0 }, { event: event(1), attempts: 0 }]));
    const { queue } = setup({ store });
    expect(queue.entries().map((e) => e.event.messageId)).toEqual(['m1']);
  });

  it('gives up after maxAttempts with a warning', async () => {
    const { queue, transport, clock, logger } = setup({ flushAt: 1 }, [500, 500, 500, 500]);
    queue.enqueue(event(1));
    await clock.advance(60_000);
    expect(transport.requests).toHaveLength(4);
    expect(queue.entries()).toEqual([]);
    expect(logger.warnings).toHaveLength(1);
  });

  it('drops a batch refused with a 4xx other than 429, with a warning', async () => {
    const { queue, transport, clock, logger } = setup({ flushAt: 1 }, [400]);
    queue.enqueue(event(1));
    await clock.advance(60_000);
    expect(transport.requests).toHaveLength(1);
    expect(queue.entries()).toEqual([]);
    expect(logger.warnings[0]).toContain('400');
  });

  it('flush() sends everything now and resolves after the answer', async () => {
    const { queue, transport } = setup({ flushAt: 50 });
    queue.enqueue(event(1));
    await queue.flush();
    expect(transport.requests).toHaveLength(1);
    expect(queue.entries()).toEqual([]);
  });

  it('hands the queue to sendBeacon when the page goes away, keeping it if refused', () => {
    const { queue, transport } = setup({ flushAt: 50 });
    queue.enqueue(event(1));
    transport.beaconAccepts = false;
    queue.flushByBeacon();
    expect(queue.entries()).toHaveLength(1);
    transport.beaconAccepts = true;
    queue.flushByBeacon();
    expect(queue.entries()).toEqual([]);
    const body = JSON.parse(transport.beacons[0]?.body ?? '{}') as { writeKey?: string };
    expect(body.writeKey).toBe('wk');
    expect(sentIds(transport.beacons[0]?.body ?? '')).toEqual(['m1']);
  });

  it('drops the oldest events beyond maxQueueSize', () => {
    const { queue, logger } = setup({ flushAt: 50, maxQueueSize: 2 });
    [1, 2, 3].forEach((n) => queue.enqueue(event(n)));
    expect(queue.entries().map((e) => e.event.messageId)).toEqual(['m2', 'm3']);
    expect(logger.warnings).toHaveLength(1);
  });
});

describe('chunk', () => {
  it('splits by size and by count', () => {
    const entries = Array.from({ length: 250 }, (_, n) => ({ event: event(n), attempts: 0 }));
    expect(chunk(entries, 1_000_000).map((b) => b.length)).toEqual([100, 100, 50]);
    const one = JSON.stringify(event(1)).length;
    expect(chunk(entries.slice(0, 5), one * 2).map((b) => b.length)).toEqual([2, 2, 1]);
  });
});
