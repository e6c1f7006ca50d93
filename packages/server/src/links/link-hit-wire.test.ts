import { describe, expect, it } from 'vitest';
import type { LinkRecord } from '../storage/links-store.ts';
import type { LinkHit } from './link-events.ts';
import { decodeHits, encodeHits } from './link-hit-wire.ts';

const link: LinkRecord = { id: 'l-1', code: 'sale', url: 'https://shop.example/sale', tags: [], createdAt: '2026-12-01T00:00:00.000Z' };
const other: LinkRecord = { ...link, id: 'l-2', code: 'other', campaignId: 'spring' };
const ann = { id: 'r-1', ref: { type: 'email', value: 'ann@example.com' } };
const bob = { id: 'r-2', ref: { type: 'email', value: 'bob@example.com' } };

/** Every shape of hit: both links, each kind and token status, with and without reason, recipient, address and agent. */
function hits(): LinkHit[] {
  const out: LinkHit[] = [];
  let n = 0;
  for (const l of [link, other])
    for (const kind of ['get', 'head', 'open'] as const)
      for (const token of ['none', 'valid', 'invalid', 'expired', 'foreign'] as const)
        for (const machine of [undefined, 'user_agent', 'too_soon'] as const)
          for (const recipient of [undefined, ann, bob])
            for (const [ip, userAgent] of [
              ['127.0.0.0', 'Mozilla/5.0 "x"\n\u2028'],
              [undefined, undefined],
              ['', 'Mozilla/5.0'],
            ] as const)
              out.push({
                clickId: `01938a7e-0000-7000-8000-${String(n++).padStart(12, '0')}`,
                kind,
                link: l,
                at: `2026-12-06T01:02:03.${String(n % 7).padStart(3, '0')}Z`,
                token,
                machine,
                ...(recipient ? { recipient } : {}),
                ...(ip !== undefined ? { ip } : {}),
                ...(userAgent ? { userAgent } : {}),
              });
  return out;
}

describe('link hits on the wire to the writer thread', () => {
  it('decode what was encoded, through structured clone, for every shape of hit', () => {
    const sent = hits();
    const received = decodeHits(structuredClone(encodeHits(sent)));
    expect(received).toStrictEqual(sent);
    // Shared as they were: one link object per link, one recipient object per recipient.
    expect(new Set(received.map((h) => h.link)).size).toBe(2);
    expect(new Set(received.flatMap((h) => (h.recipient ? [h.recipient] : []))).size).toBe(2);
  });

  it('write each repeated text once, and no object per hit', () => {
    const sent = hits();
    const wire = encodeHits(sent);
    expect(wire.fields).toBeInstanceOf(Int32Array);
    expect(wire.fields.length).toBe(sent.length * 8);
    expect(wire.links).toHaveLength(2);
    expect(wire.recipients).toHaveLength(2);
    // 3 kinds, 7 times, 5 statuses, 2 reasons, 2 addresses, 2 agents.
    expect(wire.texts).toHaveLength(21);
  });

  it('carry an empty batch', () => {
    expect(decodeHits(structuredClone(encodeHits([])))).toStrictEqual([]);
  });
});
