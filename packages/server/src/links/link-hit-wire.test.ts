import { describe, expect, it } from 'vitest';
import type { LinkHit } from './link-events.ts';
import { hits } from './link-hit-fixtures.ts';
import { decodeHits, encodeHits } from './link-hit-wire.ts';

/** The shared shapes, and one hit whose kept address is empty (a text like any other). */
const sent = (): LinkHit[] => {
  const all = hits();
  return [...all, { ...all[0]!, clickId: 'c-empty-ip', ip: '' }];
};

describe('link hits on the wire to the writer thread', () => {
  it('decode what was encoded, through structured clone, for every shape of hit', () => {
    const received = decodeHits(structuredClone(encodeHits(sent())));
    expect(received).toStrictEqual(sent());
    // Shared as they were: one link object per link, one recipient object per recipient.
    expect(new Set(received.map((h) => h.link)).size).toBe(2);
    expect(new Set(received.flatMap((h) => (h.recipient ? [h.recipient] : []))).size).toBe(2);
  });

  it('write each repeated text once, and no object per hit', () => {
    const all = sent();
    const wire = encodeHits(all);
    expect(wire.fields).toBeInstanceOf(Int32Array);
    expect(wire.fields.length).toBe(all.length * 8);
    expect(wire.links).toHaveLength(2);
    expect(wire.recipients).toHaveLength(2);
    const texts = new Set(all.flatMap((h) => [h.kind, h.at, h.token, h.machine, h.ip, h.userAgent]).filter((t) => t !== undefined));
    expect(wire.texts).toHaveLength(texts.size);
  });

  it('carry an empty batch', () => {
    expect(decodeHits(structuredClone(encodeHits([])))).toStrictEqual([]);
  });
});
