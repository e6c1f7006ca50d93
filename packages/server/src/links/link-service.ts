/**
 * Tracked links without HTTP: creating links and recipient tokens, answering a hit (a redirect target and a
 * queued event), and a link's stats. The routes (http/link-routes.ts) validate and call this.
 */
import { randomBytes } from 'node:crypto';
import { applyIpPolicy, normalizeIdentifierType } from '@kin/core';
import type { CreatedLink, LinkStats, LinkSummary, RecipientLink } from '@kin/core/api/index.ts';
import type { LinksConfig } from '../config.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { LinkRecipientRecord, LinkRecord, LinksStore } from '../storage/links-store.ts';
import type { Page, Store } from '../storage/storage.ts';
import { clickMachineReason, openMachineReason } from './link-bots.ts';
import { createLinkStatsReader } from './link-stats.ts';
import type { ClickQueue } from './link-click-queue.ts';
import type { LinkHit } from './link-events.ts';
import type { CachedLink } from './link-hit-memory.ts';
import { createHitMemory } from './link-hit-memory.ts';
import { claimedRecipient, recipientIdOf, tokenMatches, tokenOf, tokenStatus } from './link-token.ts';

const CODE_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** What the service needs. */
export interface LinkServiceDeps {
  store: Store;
  links: LinksStore;
  clock: Clock;
  ids: IdGenerator;
  config: LinksConfig;
  clicks: ClickQueue;
  normalize: (type: string, raw: unknown) => string | undefined;
}

/** A validated `POST /v1/links` body, the UTM already on `url`. */
export interface NewLink {
  url: string;
  key?: string;
  campaignId?: string;
  expiresAt?: string;
  tags: string[];
}

/** A request that hit a link (`/l/{code}`) or the open pixel. */
export interface HitRequest {
  userAgent: string | undefined;
  /** The client address as the socket gave it (the IP policy is applied here). */
  ip: string | undefined;
}

/** The tracked-links service. */
export interface LinkService {
  create(link: NewLink, origin: string): Promise<CreatedLink | 'code_taken'>;
  find(id: string): Promise<LinkRecord | undefined>;
  /** The link whose code is `link.key`, made when missing; `undefined` when that code is another URL's. */
  ensure(link: NewLink & { key: string }): Promise<LinkRecord | undefined>;
  list(query: { limit: number; cursor?: string }, origin: string): Promise<Page<LinkSummary>>;
  /** Tokens for refs already normalised (`type`, `value`). */
  addRecipients(link: LinkRecord, refs: Array<{ ref: string; type: string; value: string }>, origin: string): Promise<RecipientLink[]>;
  /** The redirect target of a GET, or `undefined` for an unknown code; HEAD answers the same but counts apart. */
  hit(request: HitRequest & { code: string; token: string | undefined; head: boolean }): Promise<string | undefined>;
  /** Records an open of the pixel; `false` when the token names no recipient. */
  open(request: HitRequest & { token: string }): Promise<boolean>;
  stats(link: LinkRecord): Promise<LinkStats>;
}

/** A short code from the id generator (deterministic under a test twin). */
function codeOf(id: string): string {
  let n = 0n;
  for (const ch of id.replace(/[^0-9a-f]/gi, '').slice(-24)) n = n * 16n + BigInt(parseInt(ch, 16));
  let code = '';
  for (let i = 0; i < 8; i++) {
    code += CODE_ALPHABET[Number(n % BigInt(CODE_ALPHABET.length))];
    n /= BigInt(CODE_ALPHABET.length);
  }
  return code;
}

/** Creates the service. */
export function createLinkService(deps: LinkServiceDeps): LinkService {
  const { links, clock, ids, config } = deps;
  let secret: Promise<string> | undefined;
  const secretOf = (): Promise<string> =>
    (secret ??= config.secret !== undefined ? Promise.resolve(config.secret) : links.signingSecret(randomBytes(32).toString('base64url')));
  // Links and recipients never change once made (there is no update or delete of either): a redirect reads
  // them from memory after the first hit, and a token's MAC is checked once per link (hit-memory.ts).
  const memory = createHitMemory();
  const base = (origin: string): string => config.baseUrl ?? origin;
  const summary = (link: LinkRecord, origin: string): LinkSummary => ({
    id: link.id,
    code: link.code,
    shortUrl: `${base(origin)}/l/${link.code}`,
    destination: link.url,
    campaignId: link.campaignId ?? null,
    expiresAt: link.expiresAt ?? null,
    tags: link.tags,
    createdAt: link.createdAt,
  });

  async function linkByCode(code: string): Promise<CachedLink | undefined> {
    const cached = memory.link(code);
    if (cached) return cached;
    const link = await links.findLinkByCode(code);
    return link ? memory.rememberLink(link) : undefined;
  }

  async function recipientOf(id: string): Promise<LinkRecipientRecord | undefined> {
    const cached = memory.recipient(id);
    if (cached) return cached;
    const recipient = await links.findRecipient(id);
    if (recipient) memory.rememberRecipient(recipient);
    return recipient;
  }

  /** The token's status on `link`, with the recipient it names when it names one of this link. */
  async function checkToken(
    link: LinkRecord,
    token: string | undefined,
    now: number,
  ): Promise<Pick<LinkHit, 'token' | 'recipient'> & { createdAt?: string }> {
    if (token === undefined || token === '') return { token: 'none' };
    const recipientId = claimedRecipient(token);
    const recipient = recipientId === undefined ? undefined : await recipientOf(recipientId);
    const expired = link.expiresAt !== undefined && Date.parse(link.expiresAt) < now;
    const secret = await secretOf();
    const status = tokenStatus({
      linkId: link.id,
      token,
      recipientLinkId: recipient?.linkId,
      expired,
      matches: (linkId) => memory.tokenMatches(linkId, token, () => tokenMatches(secret, linkId, token)),
    });
    if (!recipient || recipient.linkId !== link.id || status === 'invalid') return { token: status };
    const colon = recipient.ref.indexOf(':');
    return {
      token: status,
      recipient: { id: recipient.id, ref: { type: recipient.ref.slice(0, colon), value: recipient.ref.slice(colon + 1) } },
      createdAt: recipient.createdAt,
    };
  }

  /** A hit as the events are made from it; the machine check is the kind's (clicks or opens). */
  function hitOf(input: {
    clickId: string;
    kind: LinkHit['kind'];
    link: LinkRecord;
    at: Date;
    checked: Awaited<ReturnType<typeof checkToken>>;
    request: HitRequest;
  }): LinkHit {
    const { checked, request } = input;
    const since = checked.createdAt === undefined ? undefined : input.at.getTime() - Date.parse(checked.createdAt);
    const machine = input.kind === 'open' ? openMachineReason : clickMachineReason;
    return {
      clickId: input.clickId,
      kind: input.kind,
      link: input.link,
      at: input.at.toISOString(),
      token: checked.token,
      machine: machine(request.userAgent, since, config.scannerSeconds),
      ...(checked.recipient ? { recipient: checked.recipient } : {}),
      ...keptIp(request.ip),
      ...(request.userAgent ? { userAgent: request.userAgent } : {}),
    };
  }

  // Why the last address is kept: clicks come in bursts from one address (a proxy, a gateway, a test), and
  // parsing it cost more than the rest of the hit's bookkeeping.
  let lastIp: { ip: string | undefined; kept: { ip?: string } } | undefined;
  const keptIp = (ip: string | undefined): { ip?: string } => {
    if (lastIp?.ip === ip && lastIp) return lastIp.kept;
    const kept = applyIpPolicy(ip, config.ip);
    lastIp = { ip, kept: kept === undefined ? {} : { ip: kept } };
    return lastIp.kept;
  };

  const api: LinkService = {
    async create(link, origin) {
      const id = ids.profileId();
      const record: LinkRecord = {
        id,
        code: link.key ?? codeOf(ids.messageId()),
        url: link.url,
        tags: link.tags,
        createdAt: clock.now().toISOString(),
        ...(link.campaignId !== undefined ? { campaignId: link.campaignId } : {}),
        ...(link.expiresAt !== undefined ? { expiresAt: link.expiresAt } : {}),
      };
      if ((await links.createLink(record)) === 'code_taken') return 'code_taken';
      const { shortUrl, destination } = summary(record, origin);
      return { id, code: record.code, shortUrl, destination };
    },
    find: (id) => links.findLink(id),
    async ensure(link) {
      const known = await linkByCode(link.key);
      if (known) return known.link.url === link.url ? known.link : undefined;
      await api.create(link, '');
      const made = await linkByCode(link.key);
      return made?.link.url === link.url ? made.link : undefined;
    },
    async list(query, origin) {
      const page = await links.listLinks(query);
      return { data: page.data.map((link) => summary(link, origin)), cursor: page.cursor };
    },
    async addRecipients(link, refs, origin) {
      const key = await secretOf();
      const createdAt = clock.now().toISOString();
      const rows = refs.map(({ type, value }) => ({
        id: recipientIdOf(key, link.id, `${type}:${value}`),
        linkId: link.id,
        ref: `${type}:${value}`,
        createdAt,
      }));
      await links.addRecipients(rows);
      const shortUrl = `${base(origin)}/l/${link.code}`;
      return rows.map((row, i) => {
        const token = tokenOf(key, link.id, row.id);
        return { ref: refs[i]!.ref, token, url: `${shortUrl}?r=${token}` };
      });
    },
    async hit(request) {
      const cached = await linkByCode(request.code);
      if (!cached) return undefined;
      const { link } = cached;
      const now = clock.now();
      const checked = await checkToken(link, request.token, now.getTime());
      // Time-ordered (UUIDv7, as link ids): click rows land at the end of their primary key's index.
      const clickId = ids.profileId();
      const hit = hitOf({ clickId, kind: request.head ? 'head' : 'get', link, at: now, checked, request });
      deps.clicks.push(hit);
      return cached.target(clickId);
    },
    async open(request) {
      const recipientId = claimedRecipient(request.token);
      const recipient = recipientId === undefined ? undefined : await recipientOf(recipientId);
      const link = recipient ? await links.findLink(recipient.linkId) : undefined;
      if (!recipient || !link) return false;
      const now = clock.now();
      const checked = await checkToken(link, request.token, now.getTime());
      if (checked.token === 'invalid') return false;
      const hit = hitOf({ clickId: ids.messageId(), kind: 'open', link, at: now, checked, request });
      deps.clicks.push(hit);
      return true;
    },
    stats: createLinkStatsReader({ links, store: deps.store, clock }),
  };
  return api;
}

/** A `type:value` ref's normalised parts, or `undefined` when the type or value is not valid. */
export function parseRecipientRef(
  ref: string,
  normalize: (type: string, raw: unknown) => string | undefined,
): { type: string; value: string } | undefined {
  const colon = ref.indexOf(':');
  if (colon <= 0) return undefined;
  const type = normalizeIdentifierType(ref.slice(0, colon));
  const value = type === undefined ? undefined : normalize(type, ref.slice(colon + 1));
  return type === undefined || value === undefined ? undefined : { type, value };
}
