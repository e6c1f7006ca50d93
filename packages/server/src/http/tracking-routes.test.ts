import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '@kin/core';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin({ env: { KIN_MAX_REQUEST_BYTES: '65536', KIN_MAX_BATCH_ITEMS: '50' } });
});
afterAll(() => kin.close());

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; field?: string; message: string } }).error;
const minimal: Record<string, Record<string, unknown>> = {
  identify: { userId: 'u-route', traits: { plan: 'free' } },
  track: { anonymousId: 'a-route', event: 'Viewed' },
  page: { anonymousId: 'a-route', name: 'Home' },
  screen: { anonymousId: 'a-route', name: 'Cart' },
  group: { userId: 'u-route', groupId: 'acme' },
  alias: { userId: 'u-route', previousId: 'a-route' },
};

describe('every tracking route: auth, bad keys and oversized bodies', () => {
  const routes = [...EVENT_TYPES.map((t) => `/v1/${t}`), '/v1/batch', '/v1/import'];
  const bodyFor = (route: string) => {
    const type = route.slice(4);
    return route === '/v1/batch' || route === '/v1/import' ? { batch: [{ type: 'track', ...minimal.track }] } : minimal[type];
  };

  it.each(routes)('%s accepts a valid write key and answers with counts', async (route) => {
    const res = await kin.track(route, bodyFor(route));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, accepted: 1, rejected: [] });
  });

  it.each(routes)('%s answers 401 without a key, with an unknown key', async (route) => {
    const none = await fetch(kin.url + route, {
      method: 'POST',
      body: JSON.stringify(bodyFor(route)),
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe('unauthorized');
    const wrong = await kin.track(route, bodyFor(route), {
      headers: { authorization: 'Basic ' + Buffer.from('nope-nope-nope:').toString('base64') },
    });
    expect(wrong.status).toBe(401);
  });

  it.each(routes)('%s answers 413 payload_too_large over the request limit', async (route) => {
    const res = await kin.track(route, { ...bodyFor(route), properties: { blob: 'x'.repeat(70_000) } });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
  });

  it.each(routes)('%s answers 405 method_not_allowed to GET', async (route) => {
    const res = await fetch(kin.url + route);
    expect(res.status).toBe(405);
    expect((await errorOf(res)).code).toBe('method_not_allowed');
  });

  it.each(routes)('%s answers 400 invalid_json on a broken body', async (route) => {
    const res = await kin.track(route, '{"type":');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_json');
  });
});

describe('tracking API', () => {
  it('takes the write key from the body when there is no header', async () => {
    const res = await fetch(kin.url + '/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...minimal.track, writeKey: kin.writeKey }),
    });
    expect(res.status).toBe(200);
  });

  it('names the field of an invalid event', async () => {
    const res = await kin.track('/v1/track', { anonymousId: 'a1' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_event', field: 'event' });
    const anonymous = await kin.track('/v1/track', { event: 'Viewed' });
    expect(await errorOf(anonymous)).toMatchObject({ code: 'missing_identity', field: 'userId' });
  });

  it('accepts the valid items of a batch, lists the rejected ones and keeps them as warnings', async () => {
    const res = await kin.track('/v1/batch', {
      batch: [
        { type: 'track', anonymousId: 'a-mixed', event: 'Ok', messageId: 'mixed-ok' },
        { type: 'track', anonymousId: 'a-mixed', messageId: 'mixed-bad' },
        { type: 'teleport', anonymousId: 'a-mixed' },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; rejected: Array<{ index: number; code: string; field: string }> };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [1, 'invalid_event', 'batch[1].event'],
      [2, 'invalid_event', 'batch[2].type'],
    ]);
    const warnings = (await (await kin.admin('/v1/warnings?kind=rejected_event')).json()) as {
      data: Array<{ messageId?: string; field?: string }>;
    };
    // One record per code and request: the first rejected item is the example.
    expect(warnings.data.find((w) => w.messageId === 'mixed-bad')?.field).toBe('batch[*].event');
  });

  it('keeps a rejected request as one warning per code, and folds repeats into its count', async () => {
    type Listed = { data: Array<{ code?: string; field?: string; count: number; createdAt: string; lastSeenAt: string }> };
    const record = async () => {
      const listed = (await (await kin.admin('/v1/warnings?kind=rejected_event&limit=1000')).json()) as Listed;
      return listed.data.filter((w) => w.code === 'invalid_event' && w.field === 'batch[*].event');
    };
    const before = ((await (await kin.admin('/v1/stats')).json()) as { warnings: number }).warnings;
    const countBefore = (await record())[0]?.count ?? 0;
    const invalid = { batch: Array.from({ length: 40 }, (_, i) => ({ type: 'track', anonymousId: 'a-fold', messageId: `fold-${i}` })) };
    for (let i = 0; i < 3; i++) expect((await kin.track('/v1/batch', invalid)).status).toBe(400);
    const folded = await record();
    expect(folded).toHaveLength(1);
    expect(folded[0]!.count).toBe(countBefore + 120);
    expect(folded[0]!.lastSeenAt >= folded[0]!.createdAt).toBe(true);
    expect(((await (await kin.admin('/v1/stats')).json()) as { warnings: number }).warnings).toBe(before + 120);
  });

  it('answers 400 when every item of a batch is invalid, and 400 batch_too_large over the item limit', async () => {
    const bad = await kin.track('/v1/batch', { batch: [{ type: 'track', anonymousId: 'x' }] });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ code: 'invalid_batch', field: 'batch[0].event' });
    const many = await kin.track('/v1/batch', {
      batch: Array.from({ length: 51 }, () => ({ type: 'track', anonymousId: 'x', event: 'E' })),
    });
    expect(many.status).toBe(400);
    expect((await errorOf(many)).code).toBe('batch_too_large');
    const notArray = await kin.track('/v1/batch', { batch: 'nope' });
    expect(await errorOf(notArray)).toMatchObject({ code: 'invalid_batch', field: 'batch' });
  });

  it('rejects an event over 32 KB: 413 alone, a rejected item in a batch', async () => {
    const big = { anonymousId: 'a-big', event: 'Big', properties: { blob: 'y'.repeat(33 * 1024) } };
    const alone = await kin.track('/v1/track', big);
    expect(alone.status).toBe(413);
    expect((await errorOf(alone)).code).toBe('event_too_large');
    const inBatch = await kin.track('/v1/batch', {
      batch: [
        { type: 'track', ...big },
        { type: 'track', anonymousId: 'a-big', event: 'Small' },
      ],
    });
    expect(inBatch.status).toBe(200);
    expect(((await inBatch.json()) as { rejected: Array<{ code: string }> }).rejected[0]?.code).toBe('event_too_large');
  });

  it('reads gzip bodies and refuses a gzip bomb', async () => {
    const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a-gzip', event: 'Zipped' }] }));
    const res = await kin.track('/v1/batch', body, { headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    const bomb = gzipSync(JSON.stringify({ batch: [], pad: ' '.repeat(5_000_000) }));
    expect(bomb.length).toBeLessThan(65536);
    const refused = await kin.track('/v1/batch', bomb, { headers: { 'content-encoding': 'gzip' } });
    expect(refused.status).toBe(413);
    const brotli = await kin.track('/v1/batch', body, { headers: { 'content-encoding': 'br' } });
    expect(brotli.status).toBe(415);
  });

  it('acknowledges a repeated messageId without applying it twice', async () => {
    const before = ((await (await kin.admin('/v1/stats')).json()) as { events: number }).events;
    const event = { anonymousId: 'a-dup', event: 'Once', messageId: 'dup-1' };
    const first = (await (await kin.track('/v1/track', event)).json()) as { accepted: number; duplicates: number };
    const second = (await (await kin.track('/v1/track', event)).json()) as { accepted: number; duplicates: number };
    expect(first).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(second).toMatchObject({ accepted: 1, duplicates: 1 });
    const after = ((await (await kin.admin('/v1/stats')).json()) as { events: number }).events;
    expect(after - before).toBe(1);
  });

  it('corrects client clock skew and keeps all four times', async () => {
    await kin.track('/v1/track', {
      anonymousId: 'a-skew',
      event: 'Skewed',
      originalTimestamp: '2020-01-01T00:00:00.000Z',
      sentAt: '2020-01-01T00:00:05.000Z',
    });
    const events = (await (await kin.admin('/v1/profiles/anonymous_id:a-skew/events')).json()) as {
      data: Array<{ timestamp: string; receivedAt: string; sentAt: string; originalTimestamp: string }>;
    };
    const stored = events.data[0]!;
    expect(stored.originalTimestamp).toBe('2020-01-01T00:00:00.000Z');
    expect(stored.sentAt).toBe('2020-01-01T00:00:05.000Z');
    expect(new Date(stored.receivedAt).getTime() - new Date(stored.timestamp).getTime()).toBe(5000);
  });
});
