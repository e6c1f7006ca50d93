/**
 * A deterministic event stream with heavy identity overlap, for tests and benchmarks that compare stores
 * and pipelines. Each person has fragments (browsers, devices, emails, at most one user id) that events
 * reveal a few at a time, so profiles are created apart and merged later, many times over.
 *
 * Why the stream is order independent (several workers apply it in another order than one process): the
 * resolver's rules promise the same final graph for any order when no rule has to choose. So no identifier
 * is shared between persons, no person has more than one user_id or more than five identifiers of one type
 * (no limit is ever hit, R6), a device never sees two user ids (R11), and there is no alias, consent or
 * verification. Traits are last-write-wins by event time with tombstones, which is order independent when
 * no two writes of one trait have the same time: every event has its own timestamp.
 */
import { mulberry32 } from '@kin/core';

/** One event of the stream and the source (by name) that sends it. */
export interface WorkloadEvent {
  source: 'web' | 'app';
  event: Record<string, unknown>;
}

/** Options of the stream. */
export interface OverlapWorkloadOptions {
  events: number;
  persons: number;
  seed?: number;
}

interface Person {
  index: number;
  userId: string | undefined;
  emails: string[];
  browsers: string[];
  devices: string[];
}

const seeded = mulberry32;

/** Builds the stream (same options, same events, byte for byte). */
export function buildOverlapWorkload(options: OverlapWorkloadOptions): WorkloadEvent[] {
  const random = seeded(options.seed ?? 7);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: T[]): T => items[int(items.length)]!;
  const persons: Person[] = Array.from({ length: options.persons }, (_, i) => ({
    index: i,
    userId: random() < 0.7 ? `user-${i}` : undefined,
    emails: Array.from({ length: 1 + int(3) }, (_, k) => `p${i}.${k}@example.com`),
    browsers: Array.from({ length: 1 + int(5) }, (_, k) => `anon-${i}-${k}`),
    devices: Array.from({ length: int(3) }, (_, k) => `dev-${i}-${k}`),
  }));
  const base = Date.UTC(2026, 10, 1);
  const out: WorkloadEvent[] = [];
  for (let n = 0; n < options.events; n++) {
    const p = pick(persons);
    // Unique times: two writes of one trait never tie, so last-write-wins does not depend on order.
    const timestamp = new Date(base + n * 1000).toISOString();
    const messageId = `m-${n.toString(36)}-${int(1e9).toString(36)}`;
    const roll = random();
    if (roll < 0.25) {
      out.push({
        source: 'web',
        event: {
          type: 'identify',
          messageId,
          anonymousId: pick(p.browsers),
          ...(p.userId && random() < 0.6 ? { userId: p.userId } : {}),
          traits: {
            email: pick(p.emails),
            plan: pick(['free', 'pro', 'team']),
            city: random() < 0.1 ? null : pick(['Lisbon', 'Oslo', 'Lima']),
          },
          timestamp,
        },
      });
    } else if (roll < 0.4 && p.devices.length > 0) {
      out.push({
        source: 'app',
        event: {
          type: 'track',
          messageId,
          anonymousId: pick(p.browsers),
          ...(p.userId && random() < 0.5 ? { userId: p.userId } : {}),
          event: 'App Opened',
          context: { device: { id: pick(p.devices), type: 'ios' } },
          timestamp,
        },
      });
    } else if (roll < 0.55) {
      out.push({
        source: 'web',
        event: {
          type: 'page',
          messageId,
          anonymousId: pick(p.browsers),
          name: 'Landing',
          context: { traits: { email: pick(p.emails) } },
          timestamp,
        },
      });
    } else {
      out.push({
        source: random() < 0.8 ? 'web' : 'app',
        event: {
          type: 'track',
          messageId,
          anonymousId: pick(p.browsers),
          ...(p.userId && random() < 0.2 ? { userId: p.userId } : {}),
          event: pick(['Product Viewed', 'Product Added', 'Order Completed']),
          properties: { sku: `SKU-${int(500)}` },
          timestamp,
        },
      });
    }
  }
  return out;
}
