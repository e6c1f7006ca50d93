/**
 * The edge refuses, per item and with a code naming the field, what no store can keep (NUL, lone
 * surrogates, invalid UTF-8, times outside 1970–9999, nesting past 64 levels), and the good items of the
 * same batch are stored. Over a real socket, embedded mode; the collect mode runs the same routes
 * (pipeline/nats-edge.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { EDGE_CASES, edgeBatchBody } from '../testing/edge-cases.ts';

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin();
});
afterAll(() => kin.close());

interface Answer {
  accepted: number;
  rejected: Array<{ index: number; code: string; field: string }>;
}
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; field?: string; message: string } }).error;
const events = async () => (await kin.kin.store.stats()).events;
const good = (id: string) => ({ type: 'track', event: 'Viewed', userId: `edge-${id}`, messageId: `edge-${id}` });

describe('per-item rejections of what no store can keep', () => {
  it('rejects each poison item with its code and path and stores the good items of the batch', async () => {
    const before = await events();
    const res = await kin.track('/v1/batch', edgeBatchBody('emb'));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Answer;
    expect(answer.rejected.map(({ index, code, field }) => ({ index, code, field }))).toEqual(
      EDGE_CASES.map((c, i) => ({ index: 2 * i + 1, code: c.code, field: `batch[${2 * i + 1}].${c.field}` })),
    );
    expect(answer.accepted).toBe(EDGE_CASES.length + 1);
    expect(await events()).toBe(before + EDGE_CASES.length + 1);
  });

  it('answers a single poison event with a coded 400 naming the field', async () => {
    const nul = await kin.track('/v1/identify', { userId: 'a\u0000b' });
    expect(nul.status).toBe(400);
    expect(await errorOf(nul)).toMatchObject({ code: 'invalid_text', field: 'userId' });
    const surrogate = await kin.track('/v1/identify', '{"userId":"u","traits":{"name":"\\ud800"}}');
    expect(await errorOf(surrogate)).toMatchObject({ code: 'invalid_text', field: 'traits.name' });
    const early = await kin.track('/v1/track', { userId: 'u', event: 'e', timestamp: -8.64e15 });
    expect(early.status).toBe(400);
    expect(await errorOf(early)).toMatchObject({ code: 'timestamp_out_of_range', field: 'timestamp' });
    const reserved = await kin.track('/v1/track', { userId: 'u', event: 'e', messageId: 'import:crm-1' });
    expect(await errorOf(reserved)).toMatchObject({ code: 'reserved_message_id', field: 'messageId' });
    const rounded = await kin.track('/v1/identify', '{"userId":12345678901234567890}');
    expect(await errorOf(rounded)).toMatchObject({ code: 'unsafe_integer', field: 'userId' });
  });

  it('keeps two different raw-byte userIds apart: invalid UTF-8 in a string rejects only that item', async () => {
    const body = Buffer.concat([
      Buffer.from('{"batch":[{"type":"identify","userId":"coll-'),
      Buffer.from([0xff]),
      Buffer.from('"},{"type":"identify","userId":"coll-'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"},{"type":"identify","userId":"coll-ok","traits":{"name":"Zoë"}}]}'),
    ]);
    const res = await kin.track('/v1/batch', new Uint8Array(body));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Answer;
    expect(answer.accepted).toBe(1);
    expect(answer.rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [0, 'invalid_text', 'batch[0].userId'],
      [1, 'invalid_text', 'batch[1].userId'],
    ]);
    const profile = (await (await kin.admin('/v1/profiles/user_id:coll-ok')).json()) as { traits: Record<string, unknown> };
    expect(profile.traits['name']).toBe('Zoë');
    expect((await kin.admin('/v1/profiles/' + encodeURIComponent('user_id:coll-\ufffd'))).status).toBe(404);
  });

  it('answers invalid_utf8 with the offset when the bad byte is outside any string', async () => {
    const body = Buffer.concat([Buffer.from('{"userId":"u",'), Buffer.from([0xfe]), Buffer.from('"x":1}')]);
    const res = await kin.track('/v1/identify', new Uint8Array(body));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_utf8');
    expect(error.message).toContain('offset 14');
  });

  it('accepts a body that starts with a UTF-8 byte order mark', async () => {
    const res = await kin.track('/v1/batch', '\ufeff' + JSON.stringify({ batch: [good('bom')] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
  });

  it('answers the timestamps that lost a whole batch with per-item rejections', async () => {
    const res = await kin.track('/v1/batch', {
      batch: [
        good('t1'),
        { ...good('t2'), timestamp: -8.64e15 },
        { ...good('t3'), originalTimestamp: '1000-01-01T00:00:00Z', sentAt: 8.64e15 },
      ],
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Answer;
    expect(answer.accepted).toBe(1);
    expect(answer.rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [1, 'timestamp_out_of_range', 'batch[1].timestamp'],
      [2, 'timestamp_out_of_range', 'batch[2].originalTimestamp'],
    ]);
  });

  it('rejects a 40,000-level context per item (item and envelope both deep), never a 500', async () => {
    const deep = (leaf: string) => '{"a":'.repeat(40_000) + `{"${leaf}":1}` + '}'.repeat(40_000);
    const itemDeep = `{"batch":[${JSON.stringify(good('d1'))},{"type":"track","event":"e","userId":"u","context":${deep('y')}}]}`;
    const res = await kin.track('/v1/batch', itemDeep);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).rejected.map((r) => [r.index, r.code, r.field])).toEqual([
      [1, 'nesting_too_deep', 'batch[1].context'],
    ]);
    // The envelope's context reaches every item: all rejected, a coded 400.
    const both = `{"context":${deep('x')},"batch":[{"type":"track","event":"e","userId":"u","context":${deep('y')}}]}`;
    const refused = await kin.track('/v1/batch', both);
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({ code: 'invalid_batch', field: 'batch[0].context' });
    expect((await kin.track('/v1/identify', '{"userId":"u","traits":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}')).status).toBe(400);
  });
});

describe('profile refs', () => {
  it('answers invalid_ref for a ref holding NUL (a URL cannot carry a lone surrogate)', async () => {
    for (const ref of ['user_id:a%00b', '%00', 'email:a%00@example.com']) {
      const res = await kin.admin('/v1/profiles/' + ref);
      expect([res.status, (await errorOf(res)).code]).toEqual([400, 'invalid_ref']);
    }
  });
});

describe('a trait named __proto__', () => {
  it('round-trips through GET /v1/profiles/{ref}', async () => {
    const res = await kin.track('/v1/identify', '{"userId":"proto-1","traits":{"__proto__":"x","plan":"pro"}}');
    expect(res.status).toBe(200);
    const profile = (await (await kin.admin('/v1/profiles/user_id:proto-1')).json()) as { traits: Record<string, unknown> };
    expect(Object.hasOwn(profile.traits, '__proto__')).toBe(true);
    expect(profile.traits['__proto__']).toBe('x');
    expect(profile.traits['plan']).toBe('pro');
  });
});

describe('KIN_MAX_EVENT_DEPTH', () => {
  it('sets the deepest nesting an event may have', async () => {
    const shallow = await startTestKin({ env: { KIN_MAX_EVENT_DEPTH: '8' } });
    try {
      const nest = (levels: number): unknown => (levels === 0 ? 1 : { a: nest(levels - 1) });
      // The event is level 1 and the traits object level 2: traits seven objects deep fit in eight.
      expect((await shallow.track('/v1/identify', { userId: 'u', traits: nest(7) })).status).toBe(200);
      const deep = await shallow.track('/v1/batch', { batch: [good('depth-1'), { type: 'identify', userId: 'u', traits: nest(8) }] });
      expect(((await deep.json()) as Answer).rejected.map((r) => [r.code, r.field])).toEqual([['nesting_too_deep', 'batch[1].traits']]);
    } finally {
      await shallow.close();
    }
  });
});
