import fc from 'fast-check';
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
    const raw: Record<string, unknown> = { type: 'identify', userId: 'u', traits: { n: 1n } };
    expect(rejection(validateEvent(raw, options))).toEqual({ code: 'invalid_event', field: '' });
  });
});

describe('validateEvent: what no store can keep', () => {
  const base = { type: 'identify', userId: 'u' };

  it.each([
    ['a NUL in userId', { ...base, userId: 'u\0' }, 'userId'],
    ['a lone surrogate in anonymousId', { ...base, anonymousId: '\ud800' }, 'anonymousId'],
    ['a NUL in a trait key', { ...base, traits: { 'a\0b': 1 } }, 'traits["a\\u0000b"]'],
    ['a lone low surrogate deep in context', { ...base, context: { page: { list: ['ok', 'x\udc80'] } } }, 'context.page.list[1]'],
    ['a NUL in the event name', { type: 'track', event: 'Signed\0Up', userId: 'u' }, 'event'],
    ['a NUL in messageId', { ...base, messageId: 'm\0' }, 'messageId'],
    [
      'a lone surrogate in a property key',
      { type: 'track', event: 'e', userId: 'u', properties: { '\udbff': true } },
      'properties["\\udbff"]',
    ],
  ])('rejects %s as invalid_text naming the path', (_label, raw, field) => {
    expect(rejection(validateEvent(raw, options))).toEqual({ code: 'invalid_text', field });
  });

  it('ignores unstorable text in fields the event drops', () => {
    expect(validateEvent({ ...base, writeKey: 'k\0', _metadata: { '\ud800': 1 } }, options).ok).toBe(true);
  });

  it('rejects nesting deeper than 64 levels (configurable), naming the top-level field', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = {};
      for (let i = 0; i < levels; i++) value = { a: value };
      return value;
    };
    // The event is level 1 and context level 2: 62 more levels fit.
    expect(validateEvent({ ...base, context: nest(62) }, options).ok).toBe(true);
    expect(rejection(validateEvent({ ...base, context: nest(63) }, options))).toEqual({ code: 'nesting_too_deep', field: 'context' });
    expect(rejection(validateEvent({ ...base, properties: nest(40_000) }, options))).toEqual({
      code: 'nesting_too_deep',
      field: 'properties',
    });
    expect(rejection(validateEvent({ ...base, traits: nest(5) }, { ...options, maxDepth: 4 }))).toEqual({
      code: 'nesting_too_deep',
      field: 'traits',
    });
    const cycle: Record<string, unknown> = { ...base };
    cycle['traits'] = cycle;
    expect(rejection(validateEvent(cycle, options))?.code).toBe('nesting_too_deep');
  });

  it.each([
    ['timestamp', -8.64e15],
    ['timestamp', -1],
    ['originalTimestamp', '1000-01-01T00:00:00Z'],
    ['originalTimestamp', '1969-12-31T23:59:59.999Z'],
    ['sentAt', 8.64e15],
    ['sentAt', Date.UTC(10000, 0, 1)],
  ])('rejects %s %s as timestamp_out_of_range', (field, value) => {
    expect(rejection(validateEvent({ ...base, [field]: value }, options))).toEqual({ code: 'timestamp_out_of_range', field });
  });

  it('accepts the edges of the range: 1970-01-01 and 9999-12-31', () => {
    const first = validateEvent({ ...base, timestamp: 0 }, options);
    expect(first.ok && first.event.timestamp).toBe('1970-01-01T00:00:00.000Z');
    const last = validateEvent({ ...base, originalTimestamp: '9999-12-31T23:59:59.999Z' }, options);
    expect(last.ok && last.event.originalTimestamp).toBe('9999-12-31T23:59:59.999Z');
  });

  it('bounds a corrected time like a future one: a skew that lands before 1970 is clamped to receivedAt', () => {
    const result = validateEvent({ ...base, originalTimestamp: '1971-01-01T00:00:00Z', sentAt: '9999-01-01T00:00:00Z' }, options);
    expect(result.ok && result.event.timestamp).toBe(receivedAt.toISOString());
  });

  it('every accepted time field is a four-digit-year ISO string (property)', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            timestamp: fc.oneof(fc.double(), fc.integer({ min: -8.64e15, max: 8.64e15 })),
            originalTimestamp: fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms).toISOString()),
            sentAt: fc.integer({ min: -8.64e15, max: 8.64e15 }),
          },
          { requiredKeys: [] },
        ),
        (times) => {
          const result = validateEvent({ ...base, ...times }, options);
          if (!result.ok) {
            expect(['timestamp_out_of_range', 'invalid_event']).toContain(result.code);
            return;
          }
          for (const time of [result.event.timestamp, result.event.originalTimestamp, result.event.sentAt]) {
            if (time === undefined) continue;
            expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
            expect(time >= '1970-01-01T00:00:00.000Z' && time <= '9999-12-31T23:59:59.999Z').toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reserves the messageId prefix import: for file imports', () => {
    expect(rejection(validateEvent({ ...base, messageId: 'import:row-1' }, options))).toEqual({
      code: 'reserved_message_id',
      field: 'messageId',
    });
    expect(validateEvent({ ...base, messageId: 'imported:row-1' }, options).ok).toBe(true);
  });

  it('rejects numeric ids above 2^53 (already rounded by JSON) and keeps safe ones', () => {
    expect(rejection(validateEvent({ ...base, userId: 2 ** 53 + 2 }, options))).toEqual({ code: 'unsafe_integer', field: 'userId' });
    expect(rejection(validateEvent({ ...base, anonymousId: -(2 ** 60) }, options))).toEqual({
      code: 'unsafe_integer',
      field: 'anonymousId',
    });
    const safe = validateEvent({ ...base, userId: Number.MAX_SAFE_INTEGER }, options);
    expect(safe.ok && safe.event.userId).toBe('9007199254740991');
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
