/**
 * Which channel an event came through, for the timeline's icons and its channel filter (which the
 * server applies: `GET /v1/profiles/{ref}/events?channel=`). Derived from the
 * source name and the event's context, strongest signal first:
 * 1. a CRM source (name contains crm, salesforce or hubspot) → crm;
 * 2. an email campaign (`context.campaign.medium` = email) or an email source → email;
 * 3. a social campaign, social `context.externalIds` (twitter, instagram, …) or a social source → social;
 * 4. a mobile device (`context.device.type` ios/android, `context.app`, `context.os`) or a screen call → app;
 * 5. a web page (`context.page`, a page call) → web, where a `kin_link` click token marks an email/social
 *    landing only when the campaign says which (otherwise it stays web);
 * 6. a source named like a channel (web, ios, android, app…) → that channel; else `other`.
 */

/** The channels Kin tells apart. */
export type Channel = 'web' | 'app' | 'email' | 'social' | 'crm' | 'other';

/** Every channel in display order. */
export const CHANNELS: readonly Channel[] = ['web', 'app', 'email', 'social', 'crm', 'other'];

const SOCIAL_TYPES = new Set([
  'twitter',
  'instagram',
  'tiktok',
  'facebook',
  'linkedin',
  'x',
  'threads',
  'snapchat',
  'pinterest',
  'youtube',
]);
const SOCIAL_WORDS = /^(social|twitter|instagram|facebook|tiktok|linkedin|x|pinterest|youtube|snapchat)$/i;

/** The minimal event shape classification reads. */
export interface ClassifiableEvent {
  type: string;
  context?: Record<string, unknown>;
}

/** Classifies one event (see the rules above). */
export function classifyChannel(event: ClassifiableEvent, sourceName = ''): Channel {
  const source = sourceName.toLowerCase();
  const context = event.context ?? {};
  const campaign = record(context['campaign']);
  const medium = text(campaign?.['medium']);
  const campaignSource = text(campaign?.['source']);
  if (/crm|salesforce|hubspot/.test(source)) return 'crm';
  if (medium === 'email' || /e-?mail|newsletter/.test(source)) return 'email';
  const externalIds = Array.isArray(context['externalIds']) ? (context['externalIds'] as unknown[]) : [];
  const socialId = externalIds.some((x) => SOCIAL_TYPES.has(text(record(x)?.['type'])));
  if (medium === 'social' || SOCIAL_WORDS.test(campaignSource) || socialId || /social|twitter|instagram|facebook|tiktok/.test(source))
    return 'social';
  const device = record(context['device']);
  const deviceType = text(device?.['type']);
  if (deviceType === 'ios' || deviceType === 'android' || record(context['app']) || event.type === 'screen') return 'app';
  if (record(context['page']) || event.type === 'page') return 'web';
  if (/\b(ios|android|app|mobile)\b/.test(source)) return 'app';
  if (/\b(web|site|browser|shop)\b/.test(source)) return 'web';
  return 'other';
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}
