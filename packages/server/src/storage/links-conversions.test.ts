import { describe, expect, it } from 'vitest';
import type { LinkClickRecord } from './links-store.ts';
import { createFirstClicks } from './links-conversions.ts';

const click = (over: Partial<LinkClickRecord>): LinkClickRecord => ({
  clickId: 'c',
  linkId: 'l-1',
  kind: 'get',
  at: '2026-12-06T10:00:00.000Z',
  bot: false,
  token: 'valid',
  profileId: 'p-1',
  ...over,
});

describe('first clicks of link_clicked_profiles', () => {
  it('writes only a person GET on a profile, once per link and profile unless earlier', () => {
    const firsts = createFirstClicks({ remember: false });
    expect(firsts.add(click({ kind: 'head' }))).toBe(false);
    expect(firsts.add(click({ bot: true }))).toBe(false);
    expect(firsts.add(click({ profileId: undefined }))).toBe(false);
    expect(firsts.add(click({ profileId: 'p-2' }))).toBe(true);
    expect(firsts.add(click({}))).toBe(true);
    expect(firsts.add(click({ at: '2026-12-06T10:00:01.000Z' }))).toBe(false);
    expect(firsts.add(click({ at: '2026-12-06T09:59:59.000Z' }))).toBe(true);
    expect(firsts.take()).toEqual([
      ['l-1', 'p-2', '2026-12-06T10:00:00.000Z'],
      ['l-1', 'p-1', '2026-12-06T09:59:59.000Z'],
    ]);
  });

  it('remembers committed rows across transactions, never a rolled-back one, and forgets when told', () => {
    const firsts = createFirstClicks({ remember: true });
    expect(firsts.add(click({}))).toBe(true);
    firsts.drop();
    expect(firsts.add(click({}))).toBe(true);
    firsts.committed();
    expect(firsts.add(click({ at: '2026-12-06T10:00:01.000Z' }))).toBe(false);
    expect(firsts.add(click({ at: '2026-12-06T09:00:00.000Z' }))).toBe(true);
    firsts.committed();
    expect(firsts.add(click({ at: '2026-12-06T09:30:00.000Z' }))).toBe(false);
    firsts.forget();
    expect(firsts.add(click({ at: '2026-12-06T09:30:00.000Z' }))).toBe(true);
    const forgetful = createFirstClicks({ remember: false });
    forgetful.add(click({}));
    forgetful.committed();
    expect(forgetful.add(click({ at: '2026-12-06T10:00:01.000Z' }))).toBe(true);
  });
});
