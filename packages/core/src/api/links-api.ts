/** Tracked links: the request and response types of `/v1/links` (see docs/links.md). Type-only. */

/** UTM parameters of a tracked link; each value is lower-cased onto the destination. */
export interface LinkUtm {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
  term?: string;
}

/** `POST /v1/links` body. */
export interface CreateLinkRequest {
  /** The destination (http or https). */
  url: string;
  /** The short code to use (letters, digits, `-`, `_`); a random one when absent. */
  key?: string;
  utm?: LinkUtm;
  campaignId?: string;
  /** After this time recipient tokens attach nothing (the link still redirects). */
  expiresAt?: string;
  tags?: string[];
}

/** `POST /v1/links` answer (201). */
export interface CreatedLink {
  id: string;
  code: string;
  shortUrl: string;
  /** The destination with the UTM parameters applied. */
  destination: string;
}

/** One tracked link as listed. */
export interface LinkSummary extends CreatedLink {
  campaignId: string | null;
  expiresAt: string | null;
  tags: string[];
  createdAt: string;
}

/** `POST /v1/links/{id}/recipients` body: profile references (`type:value`, e.g. `email:ann@example.com`). */
export interface AddRecipientsRequest {
  refs: string[];
}

/** One recipient's personal link: `url` carries only the signed token, never the reference. */
export interface RecipientLink {
  ref: string;
  token: string;
  url: string;
}

/** `POST /v1/links/{id}/recipients` answer. */
export interface AddedRecipients {
  data: RecipientLink[];
}

/**
 * `GET /v1/links/{id}/stats`. Bot and scanner clicks, HEAD requests and machine opens are counted apart and
 * left out of every other figure.
 */
export interface LinkStats {
  linkId: string;
  /** GET requests not flagged as bots. */
  clicks: number;
  /** Distinct clickers among them: the recipient for a valid token, else the (truncated) address and user agent. */
  uniqueClicks: number;
  botClicks: number;
  headRequests: number;
  /** Clicks whose token was tampered with, foreign (another link's) or expired: redirected, attached to nobody. */
  invalidTokenClicks: number;
  recipients: number;
  recipientsClicked: number;
  opens: number;
  machineOpens: number;
  /**
   * Clicked profiles with an `Order Completed` within `conversionWindowDays` after one of their non-bot
   * clicks (a profile counts once; landing browsers stitched to it count as it).
   */
  conversions: number;
  conversionWindowDays: number;
}

/** One hit of a tracked link as a privacy export lists it (the person's own clicks, HEAD requests and opens). */
export interface LinkClickExport {
  clickId: string;
  linkId: string;
  /** A redirect (`get`), a `head` request, or an `open` of the tracking pixel. */
  kind: 'get' | 'head' | 'open';
  at: string;
  /** Flagged as a bot, link scanner or machine open. */
  bot: boolean;
  /** Why it was flagged, when it was. */
  reason?: string;
  /** The profile the hit went to (the person's own id, or one merged into it). */
  profileId: string;
}
