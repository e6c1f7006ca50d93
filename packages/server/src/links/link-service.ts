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
  /**
   * `hit` without waiting, when everything it reads is in memory (every hit after the first of its link and
   * recipient): the redirect target, else `undefined` (then call `hit`). Why: the redirect's thread is the one
   * that answers every request, and each `await` on it is a promise and a turn of the microtask queue.
   */
  hitFromMemory(request: HitRequest & { code: string; token: string | undefined; head: boolean }): string | undefined;
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
    (secret ??= (
      config.secret !== undefined ? Promise.resolve(config.secret) : links.signingSecret(randomBytes(32).toString('base64url'))
    ).then((known) => (secretNow = known)));
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

  /**
   * A hit of `link`: its token's status (`recipient` is the recipient the token claims, read by the caller;
   * `secret` is needed only with a token), and the machine check of the kind (clicks or opens).
   */
  function hitOf(input: {
    kind: LinkHit['kind'];
    link: LinkRecord;
    request: HitRequest & { token: string | undefined };
    recipient: LinkRecipientRecord | undefined;
    secret: string | undefined;
    clickId: string;
    at: Date;
  }): LinkHit {
    const { link, request, recipient } = input;
    const token = request.token;
    const now = input.at.getTime();
    let status: LinkHit['token'] = 'none';
    let named: ReturnType<typeof hitRecipientOf> | undefined;
    if (token !== undefined && token !== '') {
      const secret = input.secret ?? '';
      status = tokenStatus({
        linkId: link.id,
        token,
        recipientLinkId: recipient?.linkId,
        expired: link.expiresAt !== undefined && Date.parse(link.expiresAt) < now,
        matches: (linkId) => memory.tokenMatches(linkId, token, () => tokenMatches(secret, linkId, token)),
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
      at: input.at.toISOString(),
      token: status,
      machine: machine(userAgent, named === undefined ? undefined : now - named.createdMs, config.scannerSeconds),
    };
    if (named) hit.recipient = named.named;
    const ip = keptIp(request.ip);
    if (ip !== undefined) hit.ip = ip;
    if (userAgent) hit.userAgent = userAgent;
    return hit;
  }

  // The secret once it is known: from then on a hit whose link and recipient are in memory waits for nothing.
  let secretNow: string | undefined;

  /** Records a GET or HEAD hit of a link in memory and answers its redirect target. */
  function record(
    cached: CachedLink,
    request: HitRequest & { token: string | undefined; head: boolean },
    recipient: LinkRecipientRecord | undefined,
    secret: string | undefined,
  ): string {
    // Time-ordered (UUIDv7, as link ids): click rows land at the end of their primary key's index.
    const clickId = ids.profileId();
    const kind = request.head ? 'head' : 'get';
    deps.clicks.push(hitOf({ kind, link: cached.link, request, recipient, secret, clickId, at: clock.now() }));
    return cached.target(clickId);
  }

  /** `hit` when everything it reads is in memory (every hit after the first of its link and recipient), else `undefined`. */
  function hitFromMemory(request: HitRequest & { code: string; token: string | undefined; head: boolean }): string | undefined {
    const cached = memory.link(request.code);
    if (!cached) return undefined;
    const { token } = request;
    let recipient: LinkRecipientRecord | undefined;
    if (token !== undefined && token !== '') {
      if (secretNow === undefined) return undefined;
      const claimed = claimedRecipient(token);
      if (claimed !== undefined) {
        recipient = memory.recipient(claimed);
        if (!recipient) return undefined;
      }
    }
    return record(cached, request, recipient, secretNow);
  }

  // Why the last address is kept: clicks come in bursts from one address (a proxy, a gateway, a test), and
  // parsing it cost more than the rest of the hit's bookkeeping.
  let lastIp: { ip: string | undefined; kept: string | undefined } | undefined;
  const keptIp = (ip: string | undefined): string | undefined => {
    if (lastIp?.ip === ip && lastIp) return lastIp.kept;
    lastIp = { ip, kept: applyIpPolicy(ip, config.ip) };
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
    hitFromMemory,
    async hit(request) {
      const now = hitFromMemory(request);
      if (now !== undefined) return now;
      const cached = await linkByCode(request.code);
      if (!cached) return undefined;
      const { token } = request;
      const claimed = token === undefined || token === '' ? undefined : claimedRecipient(token);
      const recipient = claimed === undefined ? undefined : await recipientOf(claimed);
      const secret = token === undefined || token === '' ? undefined : await secretOf();
      return record(cached, request, recipient, secret);
    },
    async open(request) {
      const recipientId = claimedRecipient(request.token);
      const recipient = recipientId === undefined ? undefined : await recipientOf(recipientId);
      const link = recipient ? await links.findLink(recipient.linkId) : undefined;
      if (!recipient || !link) return false;
      const secret = await secretOf();
      const hit = hitOf({ kind: 'open', link, request, recipient, secret, clickId: ids.messageId(), at: clock.now() });
      if (hit.token === 'invalid') return false;
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
