/**
 * An email's links as tracked links: each http(s) link of the text and each `href` of the HTML becomes
 * `/l/{code}?r=<token>` with the recipient's token, so a click lands on the recipient's profile, and HTML mail
 * gets an open pixel (`/o/{token}.gif`). Called by the SMTP transport just before it sends.
 *
 * One link per journey, message and destination (its code a keyed hash of the three), so every recipient
 * of a message shares the link and its stats, and a retried delivery gets the same URLs (recipient tokens are
 * stable per link and ref). Opens are counted on the message's first link; a message without links gets a
 * link of its own to the public origin for its pixel.
 */
import { createHash } from 'node:crypto';
import type { LinkRecord } from '../storage/links-store.ts';
import type { LinkService } from './link-service.ts';
import { parseRecipientRef } from './link-service.ts';

/** An email as a delivery carries it. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Rewrites the links of one email for its recipient. */
export interface EmailLinkTracker {
  /** The email with tracked links, or a reason it cannot be made now (the attempt is retried). */
  track(email: OutgoingEmail, message: { journey: string; message: string }): Promise<OutgoingEmail | { error: string }>;
}

// A link in plain text ends at white space or a character URLs do not end with in prose.
const TEXT_URL = /\bhttps?:\/\/[^\s<>"'`]+/g;
const TRAILING = /[.,;:!?)\]}]+$/;
const HREF = /(\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi;

const codeOf = (journey: string, message: string, url: string): string =>
  `m${createHash('sha256').update(`${journey}\u0000${message}\u0000${url}`).digest('base64url').slice(0, 23)}`;

// An href as written in HTML: the entities a template's escaping writes (`&amp;`, `&quot;`, `&#39;`, `&lt;`, `&gt;`)
// stand for their characters in the URL the link redirects to.
const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };
const decodeAmp = (url: string): string => url.replace(/&(?:amp|quot|#39|lt|gt);/g, (e) => HTML_ENTITIES[e] ?? e);

/**
 * Creates the tracker. `origin()` is Kin's public origin (`KIN_LINKS_BASE_URL`, else the server's own URL),
 * `undefined` until the server listens.
 */
export function createEmailLinkTracker(deps: {
  service: LinkService;
  origin: () => string | undefined;
  normalize: (type: string, raw: unknown) => string | undefined;
}): EmailLinkTracker {
  const { service } = deps;
  return {
    async track(email, message) {
      const origin = deps.origin();
      if (origin === undefined) return { error: 'tracked links: the server does not listen yet' };
      const ref = parseRecipientRef(`email:${email.to}`, deps.normalize);
      if (!ref) return email;
      const own = (url: string) => url.startsWith(`${origin}/l/`) || url.startsWith(`${origin}/o/`);
      const trackable = (url: string) => url.length <= 4096 && URL.canParse(url) && !own(url);

      // Each distinct destination once: its link, then the recipient's URL on it.
      const urls = new Map<string, string | undefined>();
      let first: { link: LinkRecord; token: string } | undefined;
      const ensureUrl = async (url: string): Promise<void> => {
        if (urls.has(url) || !trackable(url)) return;
        const link = await service.ensure({
          url,
          key: codeOf(message.journey, message.message, url),
          campaignId: message.journey,
          tags: ['email'],
        });
        if (!link) return void urls.set(url, undefined);
        const [recipient] = await service.addRecipients(link, [{ ref: `${ref.type}:${ref.value}`, ...ref }], origin);
        urls.set(url, recipient!.url);
        first ??= { link, token: recipient!.token };
      };
      const textUrls = [...email.text.matchAll(TEXT_URL)].map((m) => m[0].replace(TRAILING, ''));
      const htmlUrls = email.html === undefined ? [] : [...email.html.matchAll(HREF)].map((m) => decodeAmp(m[3]!));
      for (const url of [...htmlUrls, ...textUrls]) await ensureUrl(url);

      const text = email.text.replace(TEXT_URL, (found) => {
        const url = found.replace(TRAILING, '');
        return (urls.get(url) ?? url) + found.slice(url.length);
      });
      if (email.html === undefined) return { ...email, text };
      let html = email.html.replace(HREF, (found, attr: string, quote: string, url: string) => {
        const tracked = urls.get(decodeAmp(url));
        return tracked ? `${attr}${quote}${tracked}${quote}` : found;
      });
      if (!first) {
        const link = await service.ensure({
          url: `${origin}/`,
          key: codeOf(message.journey, message.message, '#open'),
          campaignId: message.journey,
          tags: ['email'],
        });
        const [recipient] = link ? await service.addRecipients(link, [{ ref: `${ref.type}:${ref.value}`, ...ref }], origin) : [];
        if (recipient) first = { link: link!, token: recipient.token };
      }
      if (first) {
        const pixel = `<img src="${origin}/o/${first.token}.gif" width="1" height="1" alt="" style="display:none">`;
        const body = html.toLowerCase().lastIndexOf('</body>');
        html = body < 0 ? html + pixel : html.slice(0, body) + pixel + html.slice(body);
      }
      return { ...email, text, html };
    },
  };
}
