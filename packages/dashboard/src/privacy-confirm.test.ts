import { describe, expect, it } from 'vitest';
import { confirmationTarget, confirms, recognisableRef } from './privacy-confirm.ts';

const id = (type: string, value: string, firstSeen = '2026-01-01T00:00:00Z') => ({
  type,
  value,
  sourceId: 's1',
  firstSeen,
  lastSeen: firstSeen,
});

describe('typed confirmation of a privacy action', () => {
  it('asks for the email first, then phone, then user id, then the oldest other identifier', () => {
    const ids = [id('anonymous_id', 'a-1'), id('user_id', 'u-7'), id('phone', '+33612345678'), id('email', 'ann@example.com')];
    expect(confirmationTarget({ id: 'p1', externalIds: ids })).toEqual({ ref: 'email:ann@example.com', value: 'ann@example.com' });
    expect(confirmationTarget({ id: 'p1', externalIds: ids.slice(0, 3) }).ref).toBe('phone:+33612345678');
    expect(
      confirmationTarget({ id: 'p1', externalIds: [id('device_id', 'd-2', '2026-02-01T00:00:00Z'), id('anonymous_id', 'a-1')] }).ref,
    ).toBe('anonymous_id:a-1');
  });

  it('names a request subject by its most recognisable identifier', () => {
    expect(recognisableRef(['anonymous_id:a-1', 'user_id:u-7', 'email:ann@example.com'])).toBe('email:ann@example.com');
    expect(recognisableRef(['anonymous_id:a-1', 'device_id:d-1'])).toBe('anonymous_id:a-1');
    expect(recognisableRef([])).toBeUndefined();
  });

  it('falls back to the profile id when the profile holds no identifier', () => {
    expect(confirmationTarget({ id: 'prof_9', externalIds: [] })).toEqual({ ref: 'prof_9', value: 'prof_9' });
  });

  it('confirms only the exact identifier (spaces around it aside)', () => {
    const target = { ref: 'email:ann@example.com', value: 'ann@example.com' };
    expect(confirms(' ann@example.com ', target)).toBe(true);
    expect(confirms('ann@example.co', target)).toBe(false);
    expect(confirms('ANN@example.com', target)).toBe(false);
    expect(confirms('', target)).toBe(false);
  });
});
