import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '@kin/core/api/index.ts';
import { eventFacts, groupSessions } from './timeline-sessions.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, 0) + minute * 60_000).toISOString();

describe('groupSessions', () => {
  it('starts a new session after 30 minutes without an event (newest first in, newest first out)', () => {
    const events = [at(100), at(95), at(70), at(39), at(10), at(0)].map((timestamp) => ({ timestamp }));
    const sessions = groupSessions(events);
    expect(sessions.map((s) => s.events.map((e) => e.timestamp))).toEqual([
      [at(100), at(95), at(70)],
      [at(39), at(10), at(0)],
    ]);
    expect(sessions[0]).toMatchObject({ start: at(70), end: at(100) });
  });

  it('cuts at exactly 30 minutes and keeps one event as one session', () => {
    expect(groupSessions([{ timestamp: at(30) }, { timestamp: at(0) }])).toHaveLength(2);
    expect(groupSessions([{ timestamp: at(29) }, { timestamp: at(0) }])).toHaveLength(1);
    expect(groupSessions([])).toEqual([]);
  });
});

describe('eventFacts', () => {
  const base: TimelineEvent = { type: 'track', messageId: 'm', timestamp: at(0), receivedAt: at(0), sourceId: 's' };
  it('shows the order total, products, campaign and link', () => {
    const facts = eventFacts({
      ...base,
      event: 'Order Completed',
      properties: { total: 42.5, currency: 'eur', products: [{ name: 'Boot' }, { sku: 'sock-1' }] },
      context: { campaign: { name: 'spring', medium: 'email' }, kin: { link: 'tok' }, page: { url: 'https://shop.example/checkout' } },
    });
    expect(facts).toEqual([
      { label: 'total', value: '42.5 EUR' },
      { label: 'products', value: 'Boot, sock-1' },
      { label: 'campaign', value: 'spring / email' },
      { label: 'link', value: 'tok', href: 'https://shop.example/checkout' },
      { label: 'page', value: 'https://shop.example/checkout', href: 'https://shop.example/checkout' },
    ]);
  });

  it('never makes a link of a non-http URL', () => {
    const facts = eventFacts({ ...base, type: 'page', context: { page: { url: 'javascript:alert(1)' } } });
    expect(facts).toEqual([{ label: 'page', value: 'javascript:alert(1)' }]);
  });
});
