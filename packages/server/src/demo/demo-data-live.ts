/**
 * Live events for a running demo: a few per tick (web, app, email), so the overview's counters move. Seeded
 * by (seed, tick), independent of the generated data set.
 */
import type { DemoEvent, DemoSource } from './demo-data.ts';
import { mulberry32 } from '@kin/core';
import { PAGES, SCREENS } from './demo-data-vocabulary.ts';

/** A few live events per tick (web, app, email), so the overview's counters move while the demo runs. */
export function generateLiveEvents(options: { seed: number; tick: number; shoppers: number; now: Date }): DemoEvent[] {
  const rnd = mulberry32(options.seed * 7919 + options.tick);
  const count = 3 + Math.floor(rnd() * 10);
  const events: DemoEvent[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `u${String(Math.floor(rnd() * options.shoppers)).padStart(5, '0')}`;
    const r = rnd();
    const source: DemoSource = r < 0.55 ? 'web' : r < 0.75 ? 'ios' : r < 0.9 ? 'android' : 'email';
    const base = { userId, messageId: `live-${options.seed}-${options.tick}-${i}`, timestamp: options.now.toISOString() };
    if (source === 'web')
      events.push({
        source,
        event: { ...base, type: 'page', name: 'Shop', context: { page: { path: PAGES[Math.floor(rnd() * PAGES.length)] } } },
      });
    else if (source === 'email')
      events.push({
        source,
        event: { ...base, type: 'track', event: 'Email Opened', context: { campaign: { name: 'weekly-digest', medium: 'email' } } },
      });
    else
      events.push({
        source,
        event: { ...base, type: 'screen', name: SCREENS[Math.floor(rnd() * SCREENS.length)], context: { device: { type: source } } },
      });
  }
  return events;
}
