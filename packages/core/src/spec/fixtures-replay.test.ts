import { describe, expect, it } from 'vitest';
import { readBatch } from './batch-read.ts';
import type { TrackingEvent } from './event-types.ts';
import { validateEvent } from './event-validate.ts';
import { WIRE_FIXTURES, batchFixture, importFixture, screenFixture } from './fixtures/index.ts';
import type { WireFixture } from './fixtures/index.ts';

const receivedAt = new Date('2024-05-14T12:33:21.000Z');

function replay(fixture: WireFixture): TrackingEvent[] {
  const items = fixture.kind === 'batch' ? readBatch(fixture.body) : { ok: true as const, items: [fixture.body] };
  if (!items.ok) throw new Error(`${fixture.name}: ${items.message}`);
  return items.items.map((item, index) => {
    const result = validateEvent(item, { receivedAt, newMessageId: () => `generated-${index}` });
    if (!result.ok) throw new Error(`${fixture.name}[${index}]: ${result.code} ${result.field} ${result.message}`);
    return result.event;
  });
}

describe('golden wire fixtures', () => {
  it.each(WIRE_FIXTURES.map((f) => [f.name, f] as const))('%s validates', (_name, fixture) => {
    const events = replay(fixture);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.messageId).not.toMatch(/^generated/);
  });

  it('corrects the iOS clock skew', () => {
    const [screen] = replay(screenFixture);
    expect(screen).toMatchObject({ type: 'screen', name: 'Home', timestamp: '2024-05-14T12:33:17.000Z' });
  });

  it('applies the batch envelope to every item', () => {
    const events = replay(batchFixture);
    expect(events.map((e) => e.context?.['ip'])).toEqual(['198.51.100.7', '203.0.113.9']);
    expect(events.map((e) => e.integrations)).toEqual([
      { All: true, Intercom: true },
      { All: true, Intercom: false },
    ]);
    expect(events.every((e) => e.sentAt === '2024-05-14T12:33:20.000Z')).toBe(true);
  });

  it('keeps historical import times as sent', () => {
    expect(replay(importFixture).map((e) => e.timestamp)).toEqual(['2019-03-01T09:00:00.000Z', '2019-03-01T10:00:00.000Z']);
  });
});
