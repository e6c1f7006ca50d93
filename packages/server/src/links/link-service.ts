/**
 * Tracked links without HTTP: creating links and recipient tokens, answering a hit (a redirect target and a
 * queued event), and a link's stats. The routes (http/link-routes.ts) validate and call this.
 */
import { randomBytes } from 'node:crypto';
import { normalizeIdentifierType, textProblem } from '@kin/core';
import type { CreatedLink, LinkStats, LinkSummary, RecipientLink } from '@kin/core/api/index.ts';
import type { LinksConfig } from '../config.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { LinkRecipientRecord, LinkRecord, LinksStore } from '../storage/links-store.ts';
import type { Page, Store } from '../storage/storage.ts';
import { createLinkStatsReader } from './link-stats.ts';
import type { ClickQueue } from './link-click-queue.ts';
import type { HitRequest } from './link-hit-make.ts';
import { createHitMaker } from './link-hit-make.ts';
import type { CachedLink } from './link-hit-memory.ts';
import { createHitMemory } from './link-hit-memory.ts';
import { claimedRecipient, recipientIdOf, tokenOf } from './link-token.ts';

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
  /**
   * Forgets the recipients held in memory: called after a privacy delete (whose recipient rows are gone), so
   * the person's ref is neither kept here nor put on a later hit.
   */
  forgetRecipients(): void;
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
  // Links never change once made, recipients only go with a privacy delete (`forgetRecipients`): a redirect
  // reads them from memory after the first hit, and a token's MAC is checked once per link (hit-memory.ts).
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

  // Bumped by `forgetRecipients`: a recipient read before a forget (a delete committed meanwhile) is not kept.
  let forgets = 0;
  async function recipientOf(id: string): Promise<LinkRecipientRecord | undefined> {
    const cached = memory.recipient(id);
    if (cached) return cached;
    const before = forgets;
    const recipient = await links.findRecipient(id);
    if (recipient && before === forgets) memory.rememberRecipient(recipient);
    return recipient;
  }

  const hitOf = createHitMaker({ config, memory });

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
    forgetRecipients() {
      forgets++;
      memory.forgetRecipients();
    },
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
    stats: createLinkStatsReader({ links, clock }),
  };
  return api;
}

/** A `type:value` ref's normalised parts, or `undefined` when the type or value is not valid. */
export function parseRecipientRef(
  ref: string,
  normalize: (type: string, raw: unknown) => string | undefined,
): { type: string; value: string } | undefined {
  const colon = ref.indexOf(':');
  // A NUL or a lone surrogate names no one: tracking refuses them in any identifier, so no profile could match.
  if (colon <= 0 || textProblem(ref) !== undefined) return undefined;
  const type = normalizeIdentifierType(ref.slice(0, colon));
  const value = type === undefined ? undefined : normalize(type, ref.slice(colon + 1));
  return type === undefined || value === undefined ? undefined : { type, value };
}
