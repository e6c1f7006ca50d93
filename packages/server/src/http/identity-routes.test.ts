import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';

const json = async <T>(res: Response) => (await res.json()) as T;
const t = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
const ref = (type: string, value: string) => encodeURIComponent(`${type}:${value}`);

interface Profile {
  id: string;
  externalIds: Array<{ type: string; value: string }>;
  traits: Record<string, unknown>;
  consent?: Record<string, { granted: boolean; timestamp: string }>;
}
interface Merge {
  id: string;
  rule: string;
  survivorId: string;
  absorbedId: string;
  undoneBy?: string;
  ruleId?: string;
}

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin();
});
afterAll(() => kin.close());

async function profileOf(type: string, value: string): Promise<Profile> {
  const res = await kin.admin(`/v1/profiles/${ref(type, value)}`);
  expect(res.status).toBe(200);
  return json<Profile>(res);
}
async function eventsOf(type: string, value: string): Promise<string[]> {
  const page = await json<{ data: Array<{ messageId: string }> }>(await kin.admin(`/v1/profiles/${ref(type, value)}/events?limit=100`));
  return page.data.map((e) => e.messageId).sort();
}
const keys = (p: Profile) => p.externalIds.map((e) => `${e.type}:${e.value}`).sort();

describe('undo a merge over HTTP', () => {
  let merge: Merge;
  let anonProfile: string;
  let userProfile: string;

  it('merges an anonymous and a known profile through events', async () => {
    const res = await kin.track('/v1/batch', {
      batch: [
        { type: 'page', messageId: 'u-e1', anonymousId: 'a-undo', name: 'Home', timestamp: t(1) },
        { type: 'identify', messageId: 'u-e2', anonymousId: 'a-undo', traits: { color: 'red' }, timestamp: t(2) },
        { type: 'identify', messageId: 'u-e3', userId: 'u-undo', traits: { email: 'undo@shop.example', name: 'Ursula' }, timestamp: t(3) },
        { type: 'track', messageId: 'u-e4', userId: 'u-undo', event: 'Order Completed', timestamp: t(4) },
      ],
    });
    expect(res.status).toBe(200);
    anonProfile = (await profileOf('anonymous_id', 'a-undo')).id;
    userProfile = (await profileOf('user_id', 'u-undo')).id;
    expect(anonProfile).not.toBe(userProfile);
    await kin.track('/v1/identify', { messageId: 'u-e5', userId: 'u-undo', anonymousId: 'a-undo', timestamp: t(5) });
    const merged = await profileOf('user_id', 'u-undo');
    expect(merged.id).toBe(anonProfile);
    expect(merged.traits).toMatchObject({ color: 'red', name: 'Ursula' });
    const ledger = await json<{ data: Merge[] }>(await kin.admin(`/v1/profiles/${merged.id}/merges`));
    expect(ledger.data).toHaveLength(1);
    merge = ledger.data[0]!;
    expect(merge).toMatchObject({ survivorId: anonProfile, absorbedId: userProfile, rule: 'merge' });
  });

  it('explains each identifier by the event and rule that linked it, and the merge', async () => {
    const explain = await json<{
      identifiers: Array<{ type: string; messageId: string; rule: string; ruleNumber: string }>;
      merges: Merge[];
    }>(await kin.admin(`/v1/profiles/${ref('user_id', 'u-undo')}/explain`));
    expect(explain.identifiers.find((i) => i.type === 'user_id')).toMatchObject({
      messageId: 'u-e3',
      rule: 'new_profile',
      ruleNumber: 'R3',
    });
    expect(explain.identifiers.find((i) => i.type === 'anonymous_id')).toMatchObject({ messageId: 'u-e1', rule: 'new_profile' });
    expect(explain.merges.map((m) => m.id)).toEqual([merge.id]);
  });

  it('undoes it: two profiles again, each with its own events and traits, and the old ids back', async () => {
    const res = await kin.admin(`/v1/merges/${merge.id}/undo`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = await json<{ ledgerId: string; ruleId: string; profiles: Profile[] }>(res);
    expect(body.profiles.map((p) => p.id).sort()).toEqual([anonProfile, userProfile].sort());
    const anon = await profileOf('anonymous_id', 'a-undo');
    const user = await profileOf('user_id', 'u-undo');
    expect(anon.id).toBe(anonProfile);
    expect(user.id).toBe(userProfile);
    expect(keys(anon)).toEqual(['anonymous_id:a-undo']);
    expect(keys(user)).toEqual(['email:undo@shop.example', 'user_id:u-undo']);
    expect(anon.traits).toEqual({ color: 'red' });
    expect(user.traits).toEqual({ email: 'undo@shop.example', name: 'Ursula' });
    expect(await eventsOf('anonymous_id', 'a-undo')).toEqual(['u-e1', 'u-e2']);
    expect(await eventsOf('user_id', 'u-undo')).toEqual(['u-e3', 'u-e4', 'u-e5']);

    const ledger = await json<{ data: Merge[] }>(await kin.admin(`/v1/profiles/${anonProfile}/merges`));
    expect(ledger.data.find((m) => m.id === merge.id)?.undoneBy).toBe(body.ledgerId);
    expect(ledger.data.find((m) => m.id === body.ledgerId)).toMatchObject({ rule: 'undo', ruleId: body.ruleId });
    const again = await kin.admin(`/v1/merges/${merge.id}/undo`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await json<{ error: { code: string } }>(again)).error.code).toBe('conflict');
  });

  it('keeps the parts apart when an event would merge them again, and explains the refusal', async () => {
    await kin.track('/v1/identify', { messageId: 'u-e6', userId: 'u-undo', anonymousId: 'a-undo', timestamp: t(6) });
    expect((await profileOf('anonymous_id', 'a-undo')).id).not.toBe((await profileOf('user_id', 'u-undo')).id);
    const explain = await json<{ refusals: Array<{ type: string; reason: string; messageId: string; ruleNumber: string }> }>(
      await kin.admin(`/v1/profiles/${ref('user_id', 'u-undo')}/explain`),
    );
    expect(explain.refusals).toContainEqual(
      expect.objectContaining({ type: 'anonymous_id', reason: 'do_not_link', messageId: 'u-e6', ruleNumber: 'R13' }),
    );
  });

  it('dry-runs an event without writing anything', async () => {
    const before = await json<{ events: number }>(await kin.admin('/v1/stats'));
    const res = await kin.admin('/v1/identity/dry-run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        event: { type: 'identify', userId: 'u-undo', anonymousId: 'a-undo', traits: { email: 'new@shop.example' } },
        source: 'web',
      }),
    });
    expect(res.status).toBe(200);
    const dry = await json<{
      written: boolean;
      profilesMatched: string[];
      plan: { target: unknown; links: Array<{ ruleNumber: string }>; refused: Array<{ reason: string; ruleNumber: string }> };
    }>(res);
    expect(dry.written).toBe(false);
    expect(dry.profilesMatched.sort()).toEqual([anonProfile, userProfile].sort());
    expect(dry.plan.target).toEqual({ kind: 'existing', profileId: userProfile });
    expect(dry.plan.links).toEqual([
      expect.objectContaining({ identifier: { type: 'email', value: 'new@shop.example' }, rule: 'attach', ruleNumber: 'R4' }),
    ]);
    expect(dry.plan.refused).toEqual([expect.objectContaining({ reason: 'do_not_link', ruleNumber: 'R13' })]);
    expect(await json<{ events: number }>(await kin.admin('/v1/stats'))).toEqual(before);
    expect(await kin.kin.store.findProfileIdByIdentifier({ type: 'email', value: 'new@shop.example' })).toBeUndefined();
    const bad = await kin.admin('/v1/identity/dry-run', { method: 'POST', body: JSON.stringify({ event: { type: 'track' } }) });
    expect(bad.status).toBe(400);
    const unknownSource = await kin.admin('/v1/identity/dry-run', {
      method: 'POST',
      body: JSON.stringify({ event: { type: 'page', anonymousId: 'x' }, source: 'nope' }),
    });
    expect(unknownSource.status).toBe(404);
  });

  it('merges again once the admin deletes the do-not-link rule', async () => {
    const rules = await json<{ data: Array<{ id: string; reason: string }> }>(await kin.admin('/v1/rules/do-not-link'));
    expect(rules.data).toHaveLength(1);
    const deleted = await kin.admin(`/v1/rules/do-not-link/${rules.data[0]!.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect((await kin.admin(`/v1/rules/do-not-link/${rules.data[0]!.id}`, { method: 'DELETE' })).status).toBe(404);
    await kin.track('/v1/identify', { messageId: 'u-e7', userId: 'u-undo', anonymousId: 'a-undo', timestamp: t(7) });
    expect((await profileOf('anonymous_id', 'a-undo')).id).toBe((await profileOf('user_id', 'u-undo')).id);
  });
});

describe('split and remove identifiers over HTTP', () => {
  it('splits identifiers, their events and the traits those events set into their own profile', async () => {
    await kin.track('/v1/batch', {
      batch: [
        { type: 'identify', messageId: 's-e1', userId: 'u-split', anonymousId: 'a-split', traits: { plan: 'pro' }, timestamp: t(10) },
        {
          type: 'identify',
          messageId: 's-e2',
          anonymousId: 'a-split',
          traits: { email: 'typo@shop.example', nickname: 'Typo' },
          timestamp: t(11),
        },
      ],
    });
    expect(keys(await profileOf('user_id', 'u-split'))).toEqual(['anonymous_id:a-split', 'email:typo@shop.example', 'user_id:u-split']);
    const res = await kin.admin(`/v1/profiles/${ref('user_id', 'u-split')}/split`, {
      method: 'POST',
      body: JSON.stringify({ externalIds: ['email:Typo@Shop.example'] }),
    });
    expect(res.status).toBe(200);
    const email = await profileOf('email', 'typo@shop.example');
    const user = await profileOf('user_id', 'u-split');
    expect(email.id).not.toBe(user.id);
    expect(keys(user)).toEqual(['anonymous_id:a-split', 'user_id:u-split']);
    expect(keys(email)).toEqual(['email:typo@shop.example']);
    expect(email.traits).toEqual({ email: 'typo@shop.example', nickname: 'Typo' });
    expect(user.traits).toEqual({ plan: 'pro' });
    expect(await eventsOf('email', 'typo@shop.example')).toEqual(['s-e2']);
  });

  it('rejects a split of identifiers the profile does not hold, or of everything', async () => {
    const notHeld = await kin.admin(`/v1/profiles/${ref('user_id', 'u-split')}/split`, {
      method: 'POST',
      body: JSON.stringify({ externalIds: ['email:other@x.io'] }),
    });
    expect(notHeld.status).toBe(400);
    const bad = await kin.admin(`/v1/profiles/${ref('user_id', 'u-split')}/split`, {
      method: 'POST',
      body: JSON.stringify({ externalIds: ['email:'] }),
    });
    expect((await json<{ error: { code: string; field: string } }>(bad)).error).toMatchObject({
      code: 'invalid_ref',
      field: 'externalIds[0]',
    });
  });

  it('removes one identifier with a tombstone that survives re-ingestion and replay', async () => {
    await kin.track('/v1/identify', { messageId: 't-e1', userId: 'u-tomb', traits: { email: 'gone@shop.example' }, timestamp: t(20) });
    const res = await kin.admin(`/v1/profiles/${ref('user_id', 'u-tomb')}/external_ids/${ref('email', 'gone@shop.example')}`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    expect(keys(await profileOf('user_id', 'u-tomb'))).toEqual(['user_id:u-tomb']);
    await kin.track('/v1/identify', {
      messageId: 't-e2',
      userId: 'u-tomb',
      anonymousId: 'a-tomb',
      traits: { email: 'gone@shop.example' },
      timestamp: t(21),
    });
    expect(keys(await profileOf('user_id', 'u-tomb'))).toEqual(['anonymous_id:a-tomb', 'user_id:u-tomb']);
    const id = (await profileOf('user_id', 'u-tomb')).id;
    const everything = await kin.admin(`/v1/profiles/${id}/split`, {
      method: 'POST',
      body: JSON.stringify({ externalIds: ['user_id:u-tomb', 'anonymous_id:a-tomb'] }),
    });
    expect(everything.status).toBe(400);
    // A split replays the profile's events (t-e1 and t-e2 carry the email): the tombstone holds.
    const split = await kin.admin(`/v1/profiles/${id}/split`, {
      method: 'POST',
      body: JSON.stringify({ externalIds: ['anonymous_id:a-tomb'] }),
    });
    expect(split.status).toBe(200);
    expect(keys(await profileOf('user_id', 'u-tomb'))).toEqual(['user_id:u-tomb']);
    expect(await kin.kin.store.findProfileIdByIdentifier({ type: 'email', value: 'gone@shop.example' })).toBeUndefined();
    const explain = await json<{ refusals: Array<{ reason: string }>; tombstones: Array<{ type: string }> }>(
      await kin.admin(`/v1/profiles/${id}/explain`),
    );
    expect(explain.refusals.map((r) => r.reason)).toContain('tombstoned');
    expect(explain.tombstones).toEqual([expect.objectContaining({ type: 'email' })]);
    const missing = await kin.admin(`/v1/profiles/${id}/external_ids/${ref('email', 'gone@shop.example')}`, { method: 'DELETE' });
    expect(missing.status).toBe(404);
  });

  it('keeps consent per category with its time', async () => {
    await kin.track('/v1/track', {
      userId: 'u-consent',
      event: 'Viewed',
      timestamp: t(30),
      context: { consent: { categoryPreferences: { analytics: true, advertising: false } } },
    });
    expect((await profileOf('user_id', 'u-consent')).consent).toEqual({
      advertising: { granted: false, timestamp: t(30) },
      analytics: { granted: true, timestamp: t(30) },
    });
  });

  it('needs the admin token on every identity route', async () => {
    const routes: Array<[string, string]> = [
      ['GET', `/v1/profiles/${ref('user_id', 'u-undo')}/explain`],
      ['POST', '/v1/identity/dry-run'],
      ['POST', '/v1/merges/x/undo'],
      ['POST', `/v1/profiles/${ref('user_id', 'u-undo')}/split`],
      ['DELETE', `/v1/profiles/${ref('user_id', 'u-undo')}/external_ids/${ref('email', 'x@y.io')}`],
      ['GET', '/v1/rules/do-not-link'],
      ['DELETE', '/v1/rules/do-not-link/x'],
    ];
    for (const [method, path] of routes) {
      const anonymous = await fetch(kin.url + path, { method });
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      const writeKey = await fetch(kin.url + path, {
        method,
        headers: { authorization: 'Basic ' + Buffer.from(`${kin.writeKey}:`).toString('base64') },
      });
      expect(writeKey.status, `${method} ${path}`).toBe(401);
    }
    expect((await kin.admin('/v1/merges/nope/undo', { method: 'POST' })).status).toBe(404);
  });
});

describe('verified identity over HTTP', () => {
  const secret = 'shop-hmac-secret-0123456789';
  let verified: TestKin;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kin-policy-'));
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ sources: { web: { identityVerification: 'hmac', hmacSecret: secret } } }));
    verified = await startTestKin({ env: { KIN_POLICY: policyFile } });
  });
  afterAll(async () => {
    await verified.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('links a userId with the right hash; stores but does not link a forged one, with a warning', async () => {
    const good = createHmac('sha256', secret).update('u-verified').digest('hex');
    await verified.track('/v1/identify', {
      userId: 'u-verified',
      anonymousId: 'a-v1',
      context: { userHash: good },
      traits: { email: 'v@shop.example' },
    });
    expect(await verified.kin.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-verified' })).toBeDefined();
    const forged = createHmac('sha256', 'guessed-secret-000000000').update('u-verified').digest('hex');
    const res = await verified.track('/v1/identify', {
      userId: 'u-verified',
      anonymousId: 'a-attacker',
      context: { userHash: forged },
      traits: { email: 'v@shop.example' },
    });
    expect(res.status).toBe(200);
    const attacker = await verified.kin.store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'a-attacker' });
    expect(attacker).toBeDefined();
    expect(attacker).not.toBe(await verified.kin.store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-verified' }));
    const warnings = await json<{ data: Array<{ message: string }> }>(await verified.admin('/v1/warnings?kind=unverified_identity'));
    expect(warnings.data.map((w) => w.message)).toContain('user_id not used: context.userHash does not match the userId');
    expect(JSON.stringify(warnings)).not.toContain(secret);
  });
});
