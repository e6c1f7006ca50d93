import { describe, expect, it } from 'vitest';
import { correctTimestamp } from './event-timestamp.ts';
import { parseTime } from './time-parse.ts';

const receivedAt = new Date('2024-05-14T10:00:10.000Z');

describe('correctTimestamp', () => {
  it('removes the clock skew measured between originalTimestamp and sentAt', () => {
    const times = correctTimestamp({
      receivedAt,
      timestamp: new Date('2030-01-01T00:00:00.000Z'),
      sentAt: new Date('2030-01-01T00:00:04.000Z'),
    });
    expect(times).toEqual({
      timestamp: '2024-05-14T10:00:06.000Z',
      originalTimestamp: '2030-01-01T00:00:00.000Z',
      sentAt: '2030-01-01T00:00:04.000Z',
      receivedAt: '2024-05-14T10:00:10.000Z',
    });
  });

  it('prefers originalTimestamp over timestamp as the client time', () => {
    const times = correctTimestamp({
      receivedAt,
      timestamp: new Date('2024-05-14T09:00:00.000Z'),
      originalTimestamp: new Date('2024-05-14T10:00:00.000Z'),
      sentAt: new Date('2024-05-14T10:00:01.000Z'),
    });
    expect(times.timestamp).toBe('2024-05-14T10:00:09.000Z');
    expect(times.originalTimestamp).toBe('2024-05-14T10:00:00.000Z');
  });

  it('trusts the client time when there is no sentAt (historical import)', () => {
    const times = correctTimestamp({ receivedAt, timestamp: new Date('2019-03-01T09:00:00Z') });
    expect(times.timestamp).toBe('2019-03-01T09:00:00.000Z');
  });

  it('uses receivedAt when the client sent no time at all', () => {
    expect(correctTimestamp({ receivedAt })).toEqual({ timestamp: receivedAt.toISOString(), receivedAt: receivedAt.toISOString() });
    expect(correctTimestamp({ receivedAt, sentAt: new Date('2020-01-01T00:00:00Z') }).timestamp).toBe(receivedAt.toISOString());
  });

  it('clamps a time more than 24 h in the future to receivedAt', () => {
    const future = new Date(receivedAt.getTime() + 24 * 3600_000 + 1);
    expect(correctTimestamp({ receivedAt, timestamp: future }).timestamp).toBe(receivedAt.toISOString());
    const edge = new Date(receivedAt.getTime() + 24 * 3600_000);
    expect(correctTimestamp({ receivedAt, timestamp: edge }).timestamp).toBe(edge.toISOString());
  });
});

describe('parseTime', () => {
  it.each([
    ['2024-05-14T10:21:33.120Z', '2024-05-14T10:21:33.120Z'],
    ['2024-05-14T10:21:33Z', '2024-05-14T10:21:33.000Z'],
    ['2024-05-14T12:21:33.123456+02:00', '2024-05-14T10:21:33.123Z'],
    ['2024-05-14T10:21:33', '2024-05-14T10:21:33.000Z'],
    ['2024-05-14 10:21:33-0130', '2024-05-14T11:51:33.000Z'],
    ['2024-05-14', '2024-05-14T00:00:00.000Z'],
    [1715682093120, '2024-05-14T10:21:33.120Z'],
  ])('parses %s', (raw, iso) => {
    expect(parseTime(raw)?.toISOString()).toBe(iso);
  });

  it.each(['yesterday', 'May 14 2024', '2024-02-30T00:00:00Z', '2024-05-14T25:00:00Z', '', '1715682093120', Number.NaN, {}, true])(
    'rejects %s',
    (raw) => {
      expect(parseTime(raw)).toBeUndefined();
    },
  );
});
