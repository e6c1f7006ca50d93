/**
 * A link hit as the service queues it (link-events.ts `LinkHit`): the token's status, the machine check, the
 * kept address and the user agent, made on the thread that answers the redirects. Split from link-service.ts,
 * which reads the link, the recipient and the secret and hands them here.
 */
import { applyIpPolicy } from '@kin/core';
import type { LinksConfig } from '../config.ts';
import type { LinkRecipientRecord, LinkRecord } from '../storage/links-store.ts';
import { clickMachineReason, openMachineReason } from './link-bots.ts';
import type { LinkHit } from './link-events.ts';
import type { HitMemory } from './link-hit-memory.ts';
import { tokenMatches, tokenStatus } from './link-token.ts';

/** A request that hit a link (`/l/{code}`) or the open pixel. */
export interface HitRequest {
  userAgent: string | undefined;
  /** The client address as the socket gave it (the IP policy is applied here). */
  ip: string | undefined;
}

/** What `makeHit` is given: `recipient` is the one the token claims (read by the caller); `secret` is needed only with a token. */
export interface HitInput {
  kind: LinkHit['kind'];
  link: LinkRecord;
  request: HitRequest & { token: string | undefined };
  recipient: LinkRecipientRecord | undefined;
  secret: string | undefined;
  clickId: string;
  at: Date;
}

/** Creates the hit maker; `memory` memoises each token's MAC verdict per link. */
export function createHitMaker(deps: {
  config: Pick<LinksConfig, 'ip' | 'scannerSeconds'>;
  memory: HitMemory;
}): (input: HitInput) => LinkHit {
  const { config, memory } = deps;
  // A recipient as hits name it, made once per recipient: every hit of one shares it (see link-click-queue.ts on
  // what waiting objects cost).
  const hitRecipients = new WeakMap<LinkRecipientRecord, { named: NonNullable<LinkHit['recipient']>; createdMs: number }>();
  const hitRecipientOf = (recipient: LinkRecipientRecord): { named: NonNullable<LinkHit['recipient']>; createdMs: number } => {
    let known = hitRecipients.get(recipient);
    if (!known) {
      const colon = recipient.ref.indexOf(':');
      const ref = { type: recipient.ref.slice(0, colon), value: recipient.ref.slice(colon + 1) };
      known = { named: { id: recipient.id, ref }, createdMs: Date.parse(recipient.createdAt) };
      hitRecipients.set(recipient, known);
    }
    return known;
  };
  // The last user agent: clicks come in bursts from few browser builds, and each request brings its own copy.
  let lastAgent: string | undefined;
  // Why the last address is kept: clicks come in bursts from one address (a proxy, a gateway, a test), and
  // parsing it cost more than the rest of the hit's bookkeeping.
  let lastIp: { ip: string | undefined; kept: string | undefined } | undefined;
  const keptIp = (ip: string | undefined): string | undefined => {
    if (lastIp?.ip === ip && lastIp) return lastIp.kept;
    lastIp = { ip, kept: applyIpPolicy(ip, config.ip) };
    return lastIp.kept;
  };

  // The MAC check and its memo, made once (not two closures per hit); `secretNow` is the hit's secret.
  let secretNow = '';
  const macCheck = (linkId: string, token: string): boolean => tokenMatches(secretNow, linkId, token);
  const matches = (linkId: string, token: string): boolean => memory.tokenMatches(linkId, token, macCheck);
  // The last click time's text: clicks come many per millisecond at load.
  let lastMs = Number.NaN;
  let lastAt = '';

  return (input) => {
    const { link, request, recipient } = input;
    const token = request.token;
    const now = input.at.getTime();
    let status: LinkHit['token'] = 'none';
    let named: ReturnType<typeof hitRecipientOf> | undefined;
    if (token !== undefined && token !== '') {
      secretNow = input.secret ?? '';
      status = tokenStatus({
        linkId: link.id,
        token,
        recipientLinkId: recipient?.linkId,
        expired: link.expiresAt !== undefined && Date.parse(link.expiresAt) < now,
        matches,
      });
      if (recipient && recipient.linkId === link.id && status !== 'invalid') named = hitRecipientOf(recipient);
    }
    const machine = input.kind === 'open' ? openMachineReason : clickMachineReason;
    let userAgent = request.userAgent;
    if (userAgent !== undefined && userAgent === lastAgent) userAgent = lastAgent;
    else lastAgent = userAgent;
    const hit: LinkHit = {
      clickId: input.clickId,
      kind: input.kind,
      link,
      at: now === lastMs ? lastAt : ((lastMs = now), (lastAt = input.at.toISOString())),
      token: status,
      machine: machine(userAgent, named === undefined ? undefined : now - named.createdMs, config.scannerSeconds),
    };
    if (named) hit.recipient = named.named;
    const ip = keptIp(request.ip);
    if (ip !== undefined) hit.ip = ip;
    if (userAgent) hit.userAgent = userAgent;
    return hit;
  };
}
