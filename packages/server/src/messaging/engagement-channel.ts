/**
 * Which channel a click or an open engaged with, for `best_engagement`. Only a person's hit counts: not a
 * bot, scanner or machine open (`properties.bot`), and only with a valid recipient token (the hit landed on
 * the recipient's profile). The channel is the tracked link's `utm_medium` when it names a channel of the
 * policy (Kin's messages carry their channel as the medium); an `Email Opened` without one engaged with the
 * policy's email channel, the one channel whose destination is SMTP.
 */
import type { MessagingPolicy, TrackingEvent } from '@kin/core';
import type { StoredDestination } from '../storage/messaging-store.ts';

/** The events that count as engagement. */
export const ENGAGEMENT_EVENTS: readonly string[] = ['Link Clicked', 'Email Opened'];

/** The channel of an engagement event, or `undefined` when it does not count. */
export function engagementChannel(
  event: TrackingEvent,
  policy: MessagingPolicy | undefined,
  destinations: readonly StoredDestination[],
): string | undefined {
  if (!policy || !event.event || !ENGAGEMENT_EVENTS.includes(event.event)) return undefined;
  const properties = event.properties ?? {};
  if (properties['bot'] === true || properties['token'] !== 'valid') return undefined;
  const url = properties['url'];
  let medium: string | undefined;
  if (typeof url === 'string' && URL.canParse(url)) medium = new URL(url).searchParams.get('utm_medium')?.toLowerCase();
  if (medium && Object.hasOwn(policy.channels, medium)) return medium;
  if (event.event !== 'Email Opened') return undefined;
  const smtp = Object.entries(policy.channels).filter(([, c]) => destinations.find((d) => d.id === c.destination)?.type === 'smtp');
  return smtp.length === 1 ? smtp[0]?.[0] : undefined;
}
