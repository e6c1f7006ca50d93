/**
 * The events a link hit becomes: `Link Clicked` (GET), `Link Checked` (HEAD) and `Email Opened` (the pixel),
 * each carrying its click row in `context.kin.click` (see pipeline/link-click-apply.ts). Only a person's hit
 * with a valid token names the recipient (`context.externalIds`), so only it lands on a profile.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, TrackingEvent } from '@kin/core';
import type { ClickContext } from '../pipeline/link-click-apply.ts';
import type { LinkHitKind, LinkRecord, TokenStatus } from '../storage/links-store.ts';
import type { MachineReason } from './link-bots.ts';

/** The event name of each kind of hit. */
export const HIT_EVENT: Readonly<Record<LinkHitKind, string>> = { get: 'Link Clicked', head: 'Link Checked', open: 'Email Opened' };

/** One hit, as the routes saw it. */
export interface LinkHit {
  clickId: string;
  kind: LinkHitKind;
  link: LinkRecord;
  at: string;
  token: TokenStatus;
  machine: MachineReason;
  recipient?: { id: string; ref: { type: string; value: string } };
  /** The address as the IP policy keeps it (absent under `drop`). */
  ip?: string;
  userAgent?: string;
}

// Why a memo: a visitor clicks several links, and the hash was a tenth of a redirect's time on its thread.
const visitorMemo = new Map<string, string>();
// The last address and agent with their visitor: each hit's visitor is asked twice (its event and its stored
// text), and hits come in bursts from one browser; the memo's key (a new string of the agent's length) was
// hashed each time.
const last = { ip: undefined as string | undefined, userAgent: undefined as string | undefined, visitor: '' };

/** Who hit, for unique clicks: the recipient, else a hash of the kept address and the user agent (never either). */
export function visitorOf(hit: LinkHit): string {
  if (hit.token === 'valid' && hit.recipient) return `r:${hit.recipient.id}`;
  if (last.visitor !== '' && hit.ip === last.ip && hit.userAgent === last.userAgent) return last.visitor;
  const visitor = visitorByHash(hit);
  last.ip = hit.ip;
  last.userAgent = hit.userAgent;
  last.visitor = visitor;
  return visitor;
}

/** The hash of a hit's kept address and user agent, through the memo. */
function visitorByHash(hit: LinkHit): string {
  const key = `${hit.ip ?? ''}\u0000${hit.userAgent ?? ''}`;
  let visitor = visitorMemo.get(key);
  if (visitor === undefined) {
    visitor = `v:${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;
    if (visitorMemo.size >= 10_000) visitorMemo.clear();
    visitorMemo.set(key, visitor);
  }
  return visitor;
}

/**
 * The event of a hit. Why assignments, not conditional spreads: it runs per hit on the writer thread, and each
 * spread made an object to copy from; the keys come in the same order (link-prepare.test.ts holds its text).
 */
export function hitEvent(hit: LinkHit): TrackingEvent {
  const bot = hit.machine !== undefined;
  const click: ClickContext = {
    clickId: hit.clickId,
    linkId: hit.link.id,
    kind: hit.kind,
    at: hit.at,
    bot,
    token: hit.token,
    visitor: visitorOf(hit),
  };
  if (hit.machine) click.reason = hit.machine;
  if (hit.recipient && hit.token !== 'invalid') click.recipientId = hit.recipient.id;
  const context: JsonObject = { kin: { click: click as unknown as JsonObject } };
  if (hit.ip) context['ip'] = hit.ip;
  if (hit.userAgent) context['userAgent'] = hit.userAgent;
  if (hit.kind !== 'head' && !bot && hit.token === 'valid' && hit.recipient)
    context['externalIds'] = [{ type: hit.recipient.ref.type, id: hit.recipient.ref.value }];
  const properties: JsonObject = {
    link_id: hit.link.id,
    code: hit.link.code,
    url: hit.link.url,
    click_id: hit.clickId,
    bot,
    token: hit.token,
  };
  if (hit.machine) properties['bot_reason'] = hit.machine;
  if (hit.link.campaignId) properties['campaign_id'] = hit.link.campaignId;
  return { type: 'track', event: HIT_EVENT[hit.kind], messageId: hit.clickId, timestamp: hit.at, receivedAt: hit.at, properties, context };
}
