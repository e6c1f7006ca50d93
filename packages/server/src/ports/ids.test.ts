import { describe, expect, it } from 'vitest';
import { uuidV7 } from './ids.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('lays out the millisecond time, the version and the variant, and differs within one millisecond', () => {
    const ms = Date.parse('2026-12-06T11:30:00.123Z');
    const a = uuidV7(ms);
    const b = uuidV7(ms);
    expect(a).toMatch(V7);
    expect(b).toMatch(V7);
    expect(a).not.toBe(b);
    const hex = ms.toString(16).padStart(12, '0');
    expect(a.slice(0, 13)).toBe(`${hex.slice(0, 8)}-${hex.slice(8)}`);
  });

  it('orders ids of later milliseconds after earlier ones (the time prefix follows the clock)', () => {
    const ids = [0, 1, 255, 256, 1_000_000, Date.parse('2026-12-06T11:30:00.000Z')].map((ms) => uuidV7(ms));
    for (const id of ids) expect(id).toMatch(V7);
    expect([...ids].sort()).toEqual(ids);
    expect(uuidV7(1).startsWith('00000000-0001-7')).toBe(true);
  });
});
