/**
 * Recipient tokens of tracked links: `<recipient>.<mac>`, two 22-character base64url parts (132 bits each).
 * The recipient part is a keyed hash of (link, ref), so the URL carries no personal data and adding a ref
 * again gives the same token; the MAC binds it to one link. Both are HMAC-SHA256 under the server secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TokenStatus } from '../storage/links-store.ts';

const PART = 22;
const TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

function keyed(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url').slice(0, PART);
}

/** The recipient id of a ref on a link (stable for the pair, reveals neither). */
export function recipientIdOf(secret: string, linkId: string, ref: string): string {
  return keyed(secret, `r\u0000${linkId}\u0000${ref}`);
}

/** The token of a recipient of a link. */
export function tokenOf(secret: string, linkId: string, recipientId: string): string {
  return `${recipientId}.${keyed(secret, `t\u0000${linkId}\u0000${recipientId}`)}`;
}

/** The recipient id a token claims, or `undefined` when it is not shaped like a token. */
export function claimedRecipient(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}

/** Whether the token's MAC is right for this link (constant time). */
export function tokenMatches(secret: string, linkId: string, token: string): boolean {
  const m = TOKEN.exec(token);
  if (!m) return false;
  const expected = Buffer.from(tokenOf(secret, linkId, m[1]!));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * What a token on a request to `link` is: `valid`, `expired` (the link's `expiresAt` has passed), `foreign`
 * (a real token of another link), or `invalid` (tampered, or made up). `recipientLinkId` is the link of the
 * recipient the token claims, when there is one; `matches(linkId, token)` says whether the token's MAC is right for
 * a link (`tokenMatches`, or a memo of it).
 */
export function tokenStatus(input: {
  linkId: string;
  token: string;
  recipientLinkId: string | undefined;
  expired: boolean;
  matches: (linkId: string, token: string) => boolean;
}): TokenStatus {
  const { linkId, token, recipientLinkId, matches } = input;
  if (recipientLinkId === undefined) return 'invalid';
  if (recipientLinkId !== linkId) return matches(recipientLinkId, token) ? 'foreign' : 'invalid';
  if (!matches(linkId, token)) return 'invalid';
  return input.expired ? 'expired' : 'valid';
}
