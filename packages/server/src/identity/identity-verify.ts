/**
 * Verified identity, per source (policy `sources.<name>.identityVerification`). A client can put any
 * userId or email on an event; without proof, one forged identify call would merge a stranger's browser
 * into a customer's profile. With verification required, the shop's server proves the login:
 * - `hmac`: `context.userHash = hex(HMAC-SHA256(secret, userId))`, compared in constant time;
 * - `jwt`: `context.identityToken`, a JWT whose `sub` is the userId (HS256 with a shared secret, or RS256 /
 *   ES256 keys from a JWKS file or URL; `issuer` and `audience` checked when configured). Its `email`
 *   claim, when present, must equal the event's email.
 * When proof fails or is missing, the event is still stored, but its userId and email link nothing
 * (refusal `unverified`, with a warning naming the reason). Runs before the write transaction: a JWKS
 * fetch must never hold the writer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { IdentityPolicy, SourceIdentityPolicy, TrackingEvent } from '@kin/core';
import type { UnverifiedIdentity } from '../pipeline/ingest-port.ts';

/** Verifies the identity claims of events per source. */
export interface IdentityVerifier {
  /** `undefined` when the event's identity may be used; otherwise the types not to use and why. */
  verify(sourceName: string, event: TrackingEvent): Promise<UnverifiedIdentity | undefined>;
}

type Key = Uint8Array | JWTVerifyGetKey;

/** Builds the verifier for the policy's sources (reads JWKS files now; remote key sets are fetched lazily and cached by jose). */
export function createIdentityVerifier(policy: IdentityPolicy): IdentityVerifier {
  const keys = new Map<string, Key>();
  for (const [name, rule] of Object.entries(policy.sources)) {
    if (rule.identityVerification !== 'jwt') continue;
    if (rule.jwtSecret !== undefined) keys.set(name, new TextEncoder().encode(rule.jwtSecret));
    else if (rule.jwksFile !== undefined)
      keys.set(name, createLocalJWKSet(JSON.parse(readFileSync(rule.jwksFile, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]));
    else if (rule.jwksUrl !== undefined) keys.set(name, createRemoteJWKSet(new URL(rule.jwksUrl)));
  }
  return {
    async verify(sourceName, event) {
      const rule: SourceIdentityPolicy | undefined = Object.hasOwn(policy.sources, sourceName) ? policy.sources[sourceName] : undefined;
      if (!rule || rule.identityVerification === 'off') return undefined;
      const emails = eventEmails(event);
      if (event.userId === undefined) {
        if (emails.length === 0 && event.previousId === undefined) return undefined;
        return { types: ['user_id', 'email'], reason: 'no userId to verify the email against' };
      }
      if (rule.identityVerification === 'hmac') return verifyHmac(rule.hmacSecret, event);
      const key = keys.get(sourceName);
      if (!key) return { types: ['user_id', 'email'], reason: 'no verification key configured' };
      return verifyJwt(key, rule, event, emails);
    },
  };
}

function verifyHmac(secret: string, event: TrackingEvent): UnverifiedIdentity | undefined {
  const presented = event.context?.['userHash'];
  if (typeof presented !== 'string' || presented === '') return { types: ['user_id', 'email'], reason: 'context.userHash is missing' };
  const expected = createHmac('sha256', secret)
    .update(event.userId ?? '', 'utf8')
    .digest();
  const given = /^[0-9a-fA-F]{64}$/.test(presented) ? Buffer.from(presented, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { types: ['user_id', 'email'], reason: 'context.userHash does not match the userId' };
  return undefined;
}

async function verifyJwt(
  key: Key,
  rule: Extract<SourceIdentityPolicy, { identityVerification: 'jwt' }>,
  event: TrackingEvent,
  emails: string[],
): Promise<UnverifiedIdentity | undefined> {
  const token = event.context?.['identityToken'];
  if (typeof token !== 'string' || token === '') return { types: ['user_id', 'email'], reason: 'context.identityToken is missing' };
  const options = {
    algorithms: key instanceof Uint8Array ? ['HS256'] : ['RS256', 'ES256'],
    ...(rule.issuer !== undefined ? { issuer: rule.issuer } : {}),
    ...(rule.audience !== undefined ? { audience: rule.audience } : {}),
  };
  let payload: Record<string, unknown>;
  try {
    // Two calls because jwtVerify's overloads take either a key or a key-set function, not their union.
    payload = (key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)).payload;
  } catch (error) {
    return { types: ['user_id', 'email'], reason: `identityToken rejected: ${jwtFailure(error)}` };
  }
  if (payload['sub'] !== event.userId) return { types: ['user_id', 'email'], reason: 'identityToken sub does not match the userId' };
  const claim = payload['email'];
  if (typeof claim === 'string' && emails.some((email) => email !== claim.trim().toLowerCase())) {
    return { types: ['email'], reason: 'identityToken email does not match the event email' };
  }
  return undefined;
}

/** A short reason for a failed token; never includes the token or key material. */
function jwtFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} invalid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no matching key';
  if (error instanceof errors.JWKSTimeout) return 'key set unreachable';
  return 'malformed or unverifiable';
}

/** The emails of the event where the extractor looks for them (lower-cased, trimmed), for the token check. */
function eventEmails(event: TrackingEvent): string[] {
  const sources = [event.type === 'identify' ? event.traits : undefined, event.context?.['traits'], event.properties];
  const emails: string[] = [];
  for (const source of sources) {
    if (typeof source === 'object' && source !== null && !Array.isArray(source)) {
      const value = (source as Record<string, unknown>)['email'];
      if (typeof value === 'string' && value.trim() !== '') emails.push(value.trim().toLowerCase());
    }
  }
  return emails;
}
