/**
 * What a redirect reads from memory instead of the store: links by code (with their destination split around
 * the click id), recipients by id, and whether a token's MAC is right for a link. Why safe without other
 * invalidation: links are never updated or deleted once made (there is no route that does), recipients only
 * by a privacy delete of their person (which calls `forgetRecipients`), and a MAC is a pure function of the
 * secret, the link and the token. Why: each was a synchronous SQLite
 * read or an HMAC on the HTTP thread per redirect (docs/benchmarks.md, bench:links). Each map is bounded:
 * past `limit` entries it starts over, so made-up codes and tokens cannot grow memory.
 */
import type { LinkRecipientRecord, LinkRecord } from '../storage/links-store.ts';

/** A link as the redirect uses it. */
export interface CachedLink {
  link: LinkRecord;
  /** The redirect target of one click: the destination with `kin_link=<clickId>`. */
  target(clickId: string): string;
}

/** The memory of the redirect path. */
export interface HitMemory {
  link(code: string): CachedLink | undefined;
  rememberLink(link: LinkRecord): CachedLink;
  recipient(id: string): LinkRecipientRecord | undefined;
  rememberRecipient(recipient: LinkRecipientRecord): void;
  /** Forgets every recipient (a person was deleted: no copy of their recipient rows may stay here). */
  forgetRecipients(): void;
  /** The memo of `check(linkId, token)` (the token's MAC on `linkId`). */
  tokenMatches(linkId: string, token: string, check: (linkId: string, token: string) => boolean): boolean;
}

// A marker no URL serialiser changes (letters and digits only).
const MARK = 'KINLINKCLICKMARK0';

/**
 * The destination split around `kin_link`'s value: the URL parsed and serialised once per link, not per
 * click. The same text as `url.searchParams.set('kin_link', clickId)` for a click id of URL-safe characters.
 */
export function targetOf(url: string): (clickId: string) => string {
  const target = new URL(url);
  target.searchParams.set('kin_link', MARK);
  const href = target.href;
  const at = href.indexOf(MARK);
  const before = href.slice(0, at);
  const after = href.slice(at + MARK.length);
  return (clickId) => before + encodeURIComponent(clickId) + after;
}

function bounded<V>(limit: number): { get(key: string): V | undefined; set(key: string, value: V): void; clear(): void } {
  const map = new Map<string, V>();
  return {
    get: (key) => map.get(key),
    clear: () => map.clear(),
    set(key, value) {
      if (map.size >= limit) map.clear();
      map.set(key, value);
    },
  };
}

/** Creates the memory; `limit` entries per map (default 50,000). */
export function createHitMemory(limit = 50_000): HitMemory {
  const links = bounded<CachedLink>(limit);
  const recipients = bounded<LinkRecipientRecord>(limit);
  // Verdicts by link, then token. Why not one map keyed by both: joining the two texts per hit made a string
  // to flatten and hash each time; the token alone is hashed once.
  const macs = new Map<string, Map<string, boolean>>();
  let verdicts = 0;
  return {
    link: (code) => links.get(code),
    rememberLink(link) {
      const cached = { link, target: targetOf(link.url) };
      links.set(link.code, cached);
      return cached;
    },
    recipient: (id) => recipients.get(id),
    rememberRecipient: (recipient) => recipients.set(recipient.id, recipient),
    forgetRecipients: () => recipients.clear(),
    tokenMatches(linkId, token, check) {
      let ofLink = macs.get(linkId);
      let matches = ofLink?.get(token);
      if (matches !== undefined) return matches;
      matches = check(linkId, token);
      if (verdicts >= limit) {
        macs.clear();
        verdicts = 0;
        ofLink = undefined;
      }
      if (!ofLink) macs.set(linkId, (ofLink = new Map()));
      ofLink.set(token, matches);
      verdicts++;
      return matches;
    },
  };
}
