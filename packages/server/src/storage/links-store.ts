/**
 * The storage port of tracked links (see docs/links.md): links, their recipients, and one row per click,
 * HEAD request and open, offered as `store.links`. Clicks are written inside the ingest transaction that stores their
 * `Link Clicked` event (`LinkClickTx`, through decide-apply.ts), so a click row and its event commit together
 * in both modes (the embedded writer, the NATS worker).
 */
import type { Identifier, LinkClickSnapshot } from '@kin/core';
import type { LinkStats } from '@kin/core/api/links-api.ts';
import type { ConversionQuery } from './links-conversions.ts';
import type { Page } from './storage.ts';

/** A tracked link as stored. `url` is the destination with the UTM parameters already applied. */
export interface LinkRecord {
  id: string;
  code: string;
  url: string;
  campaignId?: string;
  expiresAt?: string;
  tags: string[];
  createdAt: string;
}

/** A recipient of a link: `id` is a keyed hash of (link, ref), so adding a ref again gives the same token. */
export interface LinkRecipientRecord {
  id: string;
  linkId: string;
  /** The profile reference (`email:ann@example.com`); kept here, never in a URL. */
  ref: string;
  createdAt: string;
}

/** What a request to a link was: a redirect (`get`), a `head` request, or an `open` of the tracking pixel. */
export type LinkHitKind = 'get' | 'head' | 'open';

/** What the recipient token of a hit was. */
export type TokenStatus = 'none' | 'valid' | 'invalid' | 'expired' | 'foreign';

/** One recorded hit. */
export interface LinkClickRecord {
  clickId: string;
  linkId: string;
  kind: LinkHitKind;
  at: string;
  /** Flagged as a bot, link scanner or machine open; kept, but left out of every figure but its own. */
  bot: boolean;
  /** Why it was flagged (`user_agent`, `too_soon`, `apple_mpp`, …). */
  reason?: string;
  token: TokenStatus;
  recipientId?: string;
  /** The profile the event went to, when it went to one. */
  profileId?: string;
  /** The recipient's identifier, through which landing stitching finds the clicked profile after merges (R14). */
  anchor?: Identifier;
  /** Who clicked, for unique clicks: `r:<recipient id>`, else a hash of the truncated address and user agent. */
  visitor?: string;
}

/** The counts of `GET /v1/links/{id}/stats` that come from the link's own rows (the rest is computed on read). */
export type LinkHitCounts = Omit<LinkStats, 'linkId' | 'conversions' | 'conversionWindowDays'>;

/** The links port of a store (reads and admin writes; clicks are written by `LinkClickTx`). */
export interface LinksStore {
  /** Creates a link; `code_taken` when another link has that code. */
  createLink(link: LinkRecord): Promise<'created' | 'code_taken'>;
  findLink(id: string): Promise<LinkRecord | undefined>;
  findLinkByCode(code: string): Promise<LinkRecord | undefined>;
  /** Links, newest first. */
  listLinks(query: { limit: number; cursor?: string }): Promise<Page<LinkRecord>>;
  /** Adds recipients; one already there keeps its first `createdAt`. */
  addRecipients(recipients: LinkRecipientRecord[]): Promise<void>;
  findRecipient(id: string): Promise<LinkRecipientRecord | undefined>;
  countHits(linkId: string): Promise<LinkHitCounts>;
  /**
   * How many of the link's first `query.limit` clicked profiles (live profiles with a non-bot click, by first
   * click) have a `query.event` event within `query.windowDays` after their first click (inclusive), read from
   * an index.
   */
  countConversions(linkId: string, query: ConversionQuery): Promise<number>;
  /**
   * The hits recorded on these profiles (a person's own profile and those merged into it: a privacy export),
   * newest first, at most `limit`; bot-flagged ones too. Empty for no ids.
   */
  listProfileClicks(profileIds: string[], limit: number): Promise<LinkClickRecord[]>;
  /** The store's link-signing secret: the stored one, or `candidate` stored now when there is none. */
  signingSecret(candidate: string): Promise<string>;
}

/** The click operations of a write transaction (optional on `StoreTx`: stores with `links` have them). */
export interface LinkClickTx {
  /** Records a hit once (a redelivered event does not record it twice). */
  recordLinkClick(click: LinkClickRecord): Promise<void>;
  /** The click as R14 needs it, `null` when there is no such GET click. */
  findLinkClick(clickId: string): Promise<LinkClickSnapshot | null>;
  /** Counts a browser the click brought (R14); a browser already counted is not counted again. */
  addLinkBrowser(clickId: string, anonymousId: string): Promise<void>;
}
