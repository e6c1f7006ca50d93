import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

/** A key as jose's `generateKeyPair` makes it (node's CryptoKey; no DOM types here). */
type CryptoKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import { parsePolicy } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import type { IdentityVerifier } from './identity-verify.ts';
import { createIdentityVerifier } from './identity-verify.ts';

const HMAC_SECRET = 'hmac-secret-for-tests-0123456789';
const JWT_SECRET = 'jwt-secret-for-tests-0123456789';
const NOW = Math.floor(Date.now() / 1000);
const dir = mkdtempSync(join(tmpdir(), 'kin-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function event(fields: Partial<TrackingEvent> & { context?: Record<string, unknown> }): TrackingEvent {
  return {
    type: 'identify',
    messageId: 'm1',
    timestamp: '2026-11-01T10:00:00.000Z',
    receivedAt: '2026-11-01T10:00:00.000Z',
    userId: 'ann',
    ...fields,
  };
}

const hash = (secret: string, userId: string) => createHmac('sha256', secret).update(userId).digest('hex');
const hs256 = (claims: Record<string, unknown>, secret = JWT_SECRET, exp: number = NOW + 600) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(NOW - 10)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

let verifier: IdentityVerifier;
let rsaKey: CryptoKey;
let ecKey: CryptoKey;
let strangerKey: CryptoKey;

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('RS256');
  rsaKey = rsa.privateKey;
  ecKey = ec.privateKey;
  strangerKey = stranger.privateKey;
  const jwks = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256' },
    ],
  };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks));
  const parsed = parsePolicy({
    sources: {
      web: { identityVerification: 'hmac', hmacSecret: HMAC_SECRET },
      app: { identityVerification: 'jwt', jwtSecret: JWT_SECRET },
      ios: { identityVerification: 'jwt', jwksFile, issuer: 'https://id.shop.example', audience: 'kin' },
      crm: { identityVerification: 'off' },
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  verifier = createIdentityVerifier(parsed.policy);
});

describe('identity verification: hmac', () => {
  it('accepts the right hash, in any hex case', async () => {
    expect(await verifier.verify('web', event({ context: { userHash: hash(HMAC_SECRET, 'ann') } }))).toBeUndefined();
    expect(await verifier.verify('web', event({ context: { userHash: hash(HMAC_SECRET, 'ann').toUpperCase() } }))).toBeUndefined();
  });

  it.each([
    ['missing', {}, 'context.userHash is missing'],
    ['made with the wrong secret', { userHash: hash('another-secret-0123456789', 'ann') }, 'does not match'],
    ['made for another user', { userHash: hash(HMAC_SECRET, 'bob') }, 'does not match'],
    ['truncated', { userHash: hash(HMAC_SECRET, 'ann').slice(0, 32) }, 'does not match'],
    ['not hex', { userHash: 'z'.repeat(64) }, 'does not match'],
  ])('refuses userId and email when the hash is %s', async (_name, context, reason) => {
    const result = await verifier.verify('web', event({ context, traits: { email: 'ann@x.io' } }));
    expect(result?.types).toEqual(['user_id', 'email']);
    expect(result?.reason).toContain(reason);
  });

  it('refuses an email with no userId to verify it against; anonymous events need nothing', async () => {
    expect(await verifier.verify('web', event({ userId: undefined, anonymousId: 'a1', traits: { email: 'ann@x.io' } }))).toMatchObject({
      types: ['user_id', 'email'],
    });
    expect(await verifier.verify('web', event({ userId: undefined, anonymousId: 'a1', type: 'page' }))).toBeUndefined();
  });

  it('does nothing for sources with verification off or not listed', async () => {
    expect(await verifier.verify('crm', event({}))).toBeUndefined();
    expect(await verifier.verify('unknown-source', event({}))).toBeUndefined();
  });
});

describe('identity verification: jwt', () => {
  it('accepts an HS256 token whose sub is the userId and whose email claim matches', async () => {
    const token = await hs256({ sub: 'ann', email: 'Ann@X.io' });
    expect(await verifier.verify('app', event({ context: { identityToken: token }, traits: { email: 'ann@x.io' } }))).toBeUndefined();
  });

  it('refuses only the email when the email claim differs', async () => {
    const token = await hs256({ sub: 'ann', email: 'ann@x.io' });
    expect(await verifier.verify('app', event({ context: { identityToken: token }, traits: { email: 'mallory@x.io' } }))).toEqual({
      types: ['email'],
      reason: 'identityToken email does not match the event email',
    });
  });

  it.each([
    ['missing', async () => undefined, 'missing'],
    ['signed with the wrong secret', () => hs256({ sub: 'ann' }, 'wrong-secret-0123456789abc'), 'signature invalid'],
    ['for another user (wrong sub)', () => hs256({ sub: 'bob' }), 'sub does not match'],
    ['expired', () => hs256({ sub: 'ann' }, JWT_SECRET, NOW - 60), 'expired'],
    [
      'unsigned (alg none)',
      async () =>
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'ann', exp: NOW + 600 })).toString('base64url')}.`,
      'identityToken rejected',
    ],
    [
      'tampered (payload swapped, signature kept)',
      async () => {
        const [header, , signature] = (await hs256({ sub: 'bob' })).split('.');
        return `${header}.${Buffer.from(JSON.stringify({ sub: 'ann', exp: NOW + 600 })).toString('base64url')}.${signature}`;
      },
      'signature invalid',
    ],
    ['garbage', async () => 'not-a-token', 'malformed'],
  ])('refuses userId and email when the token is %s', async (_name, make, reason) => {
    const token = await make();
    const result = await verifier.verify('app', event({ context: token === undefined ? {} : { identityToken: token } }));
    expect(result?.types).toEqual(['user_id', 'email']);
    expect(result?.reason).toContain(reason);
  });

  it('verifies RS256 and ES256 tokens against a JWKS file, with issuer and audience', async () => {
    const sign = (key: CryptoKey, alg: string, kid: string, claims: { iss?: string; aud?: string } = {}) =>
      new SignJWT({ sub: 'ann' })
        .setProtectedHeader({ alg, kid })
        .setIssuer(claims.iss ?? 'https://id.shop.example')
        .setAudience(claims.aud ?? 'kin')
        .setExpirationTime(NOW + 600)
        .sign(key);
    expect(await verifier.verify('ios', event({ context: { identityToken: await sign(rsaKey, 'RS256', 'rsa') } }))).toBeUndefined();
    expect(await verifier.verify('ios', event({ context: { identityToken: await sign(ecKey, 'ES256', 'ec') } }))).toBeUndefined();
    const wrongIssuer = await verifier.verify(
      'ios',
      event({ context: { identityToken: await sign(rsaKey, 'RS256', 'rsa', { iss: 'https://evil.example' }) } }),
    );
    expect(wrongIssuer?.reason).toContain('claim iss invalid');
    const wrongAudience = await verifier.verify(
      'ios',
      event({ context: { identityToken: await sign(rsaKey, 'RS256', 'rsa', { aud: 'other' }) } }),
    );
    expect(wrongAudience?.reason).toContain('claim aud invalid');
    const stranger = await verifier.verify('ios', event({ context: { identityToken: await sign(strangerKey, 'RS256', 'rsa') } }));
    expect(stranger?.reason).toContain('signature invalid');
    // An HS256 token signed with the public key material must not pass as RS256 (algorithm confusion).
    const hsOnRsaSource = await verifier.verify(
      'ios',
      event({ context: { identityToken: await hs256({ sub: 'ann', iss: 'https://id.shop.example', aud: 'kin' }) } }),
    );
    expect(hsOnRsaSource?.types).toEqual(['user_id', 'email']);
  });
});
