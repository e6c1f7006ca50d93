import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO_SOURCES, generateDemoData } from './demo-data.ts';
import { generateLiveEvents } from './demo-data-live.ts';

const now = new Date('2026-11-01T12:00:00.000Z');
const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('generateDemoData', () => {
  const data = generateDemoData({ seed: 42, shoppers: 5000, now });

  it('is deterministic: same seed and time, byte-identical events; another seed differs', () => {
    expect(digest(generateDemoData({ seed: 42, shoppers: 5000, now }))).toBe(digest(data));
    expect(digest(generateDemoData({ seed: 43, shoppers: 5000, now }))).not.toBe(digest(data));
  });

  it('covers every channel with thousands of shoppers, in time order, inside the 14 days before now', () => {
    expect(data.shoppers).toBe(5000);
    const bySource = new Map<string, number>();
    for (const e of data.events) bySource.set(e.source, (bySource.get(e.source) ?? 0) + 1);
    for (const source of DEMO_SOURCES) expect(bySource.get(source) ?? 0, source).toBeGreaterThan(500);
    expect(data.events.length).toBeGreaterThan(25_000);
    const times = data.events.map((e) => String(e.event['timestamp']));
    expect([...times].sort()).toEqual(times);
    expect(times[0]! >= '2026-10-18T12:00:00.000Z' && times.at(-1)! <= now.toISOString()).toBe(true);
    const users = new Set(data.events.map((e) => e.event['userId']).filter(Boolean));
    expect(users.size).toBeGreaterThan(4000);
  });

  it('has unique message ids and the deliberate hard cases', () => {
    expect(new Set(data.events.map((e) => e.event['messageId'])).size).toBe(data.events.length);
    expect(data.sharedDevices).toBeGreaterThan(10);
    expect(data.crmTypos).toBeGreaterThan(50);
    const tablet = data.events.filter((e) => e.event['anonymousId'] === 'family-tablet-1' && e.event['type'] === 'identify');
    expect(new Set(tablet.map((e) => e.event['userId'])).size).toBe(2);
    const json = JSON.stringify(data.events);
    for (const marker of [
      '"medium":"email"',
      '"kin":{"link"',
      '"type":"twitter"',
      '"type":"instagram"',
      '"type":"crm_id"',
      '"type":"android"',
      'exmaple',
    ]) {
      expect(json, marker).toContain(marker);
    }
  });
});

describe('generateLiveEvents', () => {
  it('is deterministic per tick', () => {
    const a = generateLiveEvents({ seed: 1, tick: 3, shoppers: 100, now });
    expect(generateLiveEvents({ seed: 1, tick: 3, shoppers: 100, now })).toEqual(a);
    expect(a.length).toBeGreaterThan(2);
  });
});
