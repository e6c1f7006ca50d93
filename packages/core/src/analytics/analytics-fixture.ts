/** Builds short event sequences for the analytics table tests: `ev('Signup', 3)` is "Signup" at minute 3. */
import type { Channel } from '../spec/channel-classify.ts';
import type { AnalyticsEvent } from './analytics-event.ts';

let seq = 0;

/** One event named `name` at `minute` minutes after the epoch. */
export function ev(
  name: string,
  minute: number,
  extra: { channel?: Channel; properties?: Record<string, unknown>; context?: Record<string, unknown> } = {},
): AnalyticsEvent {
  seq++;
  return {
    messageId: `m${seq}`,
    at: minute * 60_000,
    seq,
    name,
    channel: extra.channel ?? 'web',
    ...(extra.properties ? { properties: extra.properties } : {}),
    ...(extra.context ? { context: extra.context } : {}),
  };
}
