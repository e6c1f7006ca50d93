import { describe, expect, it } from 'vitest';
import type { EventValidation } from './event-types.ts';
import { validateEvent } from './event-validate.ts';
import { utf8Length } from './utf8-length.ts';

const receivedAt = new Date('2024-05-14T10:00:00.000Z');
const options = { receivedAt, newMessageId: () => 'generated-1' };

function rejection(result: EventValidation): { code: string; field: string } | undefined {
  return result.ok ? undefined : { code: result.code, field: result.field };
}

describe('validateEvent', () => {
  it('accepts a minimal track and normalises times', () => {
    const result = validateEvent({ type: 'track', event: 'Signed Up', userId: 'u1', timestamp: 1715680800000 }, options);
    expect(result).toEqual({
      ok: true,
      event: {
        type: 'track',
        event: 'Signed Up',
        messageId: 'generated-1',
        userId: 'u1',
        timestamp: '2024-05-14T10:00:00.000Z',
        originalTimestamp: '2024-05-14T10:00:00.000Z',
        receivedAt: '2024-05-14T10:00:00.000Z',
      },
    });
  });

  it.each([
    ['a non-object', 'nope', 'invalid_event', ''],
    ['an array', [], 'invalid_event', ''],
    ['an unknown type', { type: 'identity', userId: 'u' }, 'invalid_event', 'type'],
    ['a missing type', { userId: 'u' }, 'invalid_event', 'type'],
    ['an object userId', { type: 'identify', userId: { id: 1 } }, 'invalid_event', 'userId'],
    ['a boolean anonymousId', { type: 'identify', anonymousId: true }, 'invalid_event', 'anonymousId'],
    ['an infinite messageId', { type: 'identify', userId: 'u', messageId: Number.POSITIVE_INFINITY }, 'invalid_event', 'messageId'],
    ['a track without event', { type: 'track', userId: 'u' }, 'invalid_event', 'event'],
    ['a track with a blank event', { type: 'track', userId: 'u', event: '  ' }, 'invalid_event', 'event'],
    ['an alias without previousId', { type: 'alias', userId: 'u' }, 'invalid_event', 'previousId'],
    ['an alias without userId', { type: 'alias', previousId: 'a', anonymousId: 'a' }, 'invalid_event', 'userId'],
    ['a group without groupId', { type: 'group', userId: 'u' }, 'invalid_event', 'groupId'],
    ['no identity', { type: 'page', userId: null, anonymousId: '' }, 'missing_identity', 'userId'],
    ['array properties', { type: 'track', event: 'e', userId: 'u', properties: [] }, 'invalid_event', 'properties'],
    ['string traits', { type: 'identify', userId: 'u', traits: 'x' }, 'invalid_event', 'traits'],
    ['numeric context', { type: 'identify', userId: 'u', context: 1 }, 'invalid_event', 'context'],
    ['array integrations', { type: 'identify', userId: 'u', integrations: ['a'] }, 'invalid_event', 'integrations'],
    ['a bad timestamp', { type: 'identify', userId: 'u', timestamp: 'yesterday' }, 'invalid_event', 'timestamp'],
    ['a bad sentAt', { type: 'identify', userId: 'u', sentAt: {} }, 'invalid_event', 'sentAt'],
    ['a bad originalTimestamp', { type: 'identify', userId: 'u', originalTimestamp: 'x' }, 'invalid_event', 'originalTimestamp'],
    ['a numeric page name', { type: 'page', userId: 'u', name: 3 }, 'invalid_event', 'name'],
  ])('rejects %s', (_label, raw, code, field) => {
    expect(rejection(validateEvent(raw, options))).toEqual({ code, field });
  });

  it('lets typeOverride win over the item type', () => {
    const result = validateEvent({ type: 'identify', event: 'Clicked', userId: 'u' }, { ...options, typeOverride: 'track' });
    expect(result.ok && result.event.type).toBe('track');
  });

  it('converts numeric ids to strings and keeps a given messageId', () => {
    const result = validateEvent({ type: 'group', userId: 42, groupId: 7, messageId: 99 }, options);
    expect(result.ok && [result.event.userId, result.event.groupId, result.event.messageId]).toEqual(['42', '7', '99']);
  });

  it('treats null and blank ids as absent', () => {
    const result = validateEvent({ type: 'page', userId: null, anonymousId: 'a1', previousId: ' ' }, options);
    expect(result.ok && result.event).toMatchObject({ anonymousId: 'a1' });
    expect(result.ok && 'userId' in result.event).toBe(false);
  });

  it('keeps event only for track and name only for page and screen', () => {
    const identify = validateEvent({ type: 'identify', userId: 'u', event: 'x', name: 'y' }, options);
    expect(identify.ok && [identify.event.event, identify.event.name]).toEqual([undefined, undefined]);
    const screen = validateEvent({ type: 'screen', userId: 'u', name: 'Home' }, options);
    expect(screen.ok && screen.event.name).toBe('Home');
  });

  it('drops fields outside the tracking spec', () => {
    const result = validateEvent({ type: 'identify', userId: 'u', writeKey: 'secret', _metadata: {}, category: 'c' }, options);
    expect(result.ok && Object.keys(result.event).sort()).toEqual(['messageId', 'receivedAt', 'timestamp', 'type', 'userId']);
  });

  it('rejects an event over the size limit, measured in UTF-8 bytes', () => {
    const raw = { type: 'identify', userId: 'u', traits: { bio: 'é'.repeat(100) } };
    const size = utf8Length(JSON.stringify(raw));
    expect(size).toBe(JSON.stringify(raw).length + 100);
    expect(validateEvent(raw, { ...options, maxEventBytes: size }).ok).toBe(true);
    expect(rejection(validateEvent(raw, { ...options, maxEventBytes: size - 1 }))).toEqual({ code: 'event_too_large', field: '' });
    const big = { type: 'identify', userId: 'u', traits: { bio: 'x'.repeat(32 * 1024) } };
    expect(rejection(validateEvent(big, options))).toEqual({ code: 'event_too_large', field: '' });
  });

  it('rejects an event that cannot be serialised', () => {
    const raw: Record<string, unknown> = { type: 'identify', userId: 'u' };
    raw['self'] = raw;
    expect(rejection(validateEvent(raw, options))).toEqual({ code: 'invalid_event', field: '' });
  });
});

describe('utf8Length', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['\ud800', 3],
  ])('%s is %i bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
  });
});
