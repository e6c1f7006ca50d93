import { describe, expect, it } from 'vitest';
import type { LinkClickRecord } from './links-store.ts';
import { createHitTally, hitCountDeltas } from './links-rows.ts';

const click = (kind: LinkClickRecord['kind'], bot: boolean, token: LinkClickRecord['token'], linkId = 'l-1'): LinkClickRecord => ({
  clickId: `${kind}-${String(bot)}-${token}`,
  linkId,
  kind,
  at: '2026-12-06T00:00:00.000Z',
  bot,
  token,
});

describe("a hit's additions to its link's counters", () => {
  it('count each kind of hit where the stats read it (clicks, bots, HEAD, invalid tokens, opens, machine opens)', () => {
    expect(hitCountDeltas(click('get', false, 'valid'))).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(hitCountDeltas(click('get', true, 'none'))).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    expect(hitCountDeltas(click('get', false, 'foreign'))).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    expect(hitCountDeltas(click('get', true, 'expired'))).toEqual([0, 0, 1, 0, 1, 0, 0, 0]);
    expect(hitCountDeltas(click('head', false, 'invalid'))).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    expect(hitCountDeltas(click('open', false, 'valid'))).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
    expect(hitCountDeltas(click('open', true, 'valid'))).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('are summed by link in the tally, with the firsts, in link order', () => {
    const tally = createHitTally();
    tally.add(click('get', false, 'invalid', 'l-2'));
    tally.add(click('get', false, 'none', 'l-1'));
    tally.add(click('head', false, 'none', 'l-1'));
    tally.addFirst('l-1', 1);
    expect(tally.take()).toEqual([
      ['l-1', [1, 1, 0, 1, 0, 0, 0, 0]],
      ['l-2', [1, 0, 0, 0, 1, 0, 0, 0]],
    ]);
    expect(tally.take()).toEqual([]);
  });
});
