/**
 * The audit proof over a real socket and the real `kin` binary: 100 admin writes of 10 kinds give exactly 100
 * hash-chained entries naming actor, action and target (identifier values only as keyed hashes); tracking and
 * reads add none; `kin audit verify` says ok; one byte flipped in a stored entry by direct SQL makes it exit 1
 * naming that entry's seq.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, IssuedToken } from '@kin/core/api/access-api.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { runKin } from '../testing/kin-process.ts';

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin();
});
afterAll(async () => {
  await kin.close();
});

const N = 10;
const ids = Array.from({ length: N }, (_, i) => i);
const ref = (type: string, value: string) => encodeURIComponent(`${type}:${value}`);
const json = { 'content-type': 'application/json' };

async function ok(res: Promise<Response>, status = 200): Promise<unknown> {
  const answer = await res;
  expect(answer.status, answer.url).toBe(status);
  return answer.json();
}

async function allEntries(): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let cursor = ''; ;) {
    const page = (await ok(kin.admin(`/v1/audit?limit=30${cursor ? `&cursor=${cursor}` : ''}`))) as {
      data: AuditEntry[];
      cursor: { next: string | null };
    };
    entries.push(...page.data);
    if (!page.cursor.next) return entries;
    cursor = page.cursor.next;
  }
}

describe('audit log', () => {
  it('records 100 admin writes of 10 kinds as 100 chained entries; tracking and reads add none', async () => {
    // People to act on (tracking: not audited): each with a user id, an anonymous id and an email, and a merge.
    for (const i of ids) {
      await ok(kin.track('/v1/identify', { userId: `u-${i}`, anonymousId: `a-${i}`, traits: { email: `person${i}@shop.example` } }));
      await ok(kin.track('/v1/track', { anonymousId: `m-a-${i}`, event: 'Viewed' }));
      await ok(kin.track('/v1/identify', { userId: `m-u-${i}`, traits: { plan: 'pro' } }));
      await ok(kin.track('/v1/identify', { userId: `m-u-${i}`, anonymousId: `m-a-${i}` }));
    }
    await ok(kin.admin('/v1/stats'));
    expect(await allEntries()).toEqual([]);

    const tokens: IssuedToken[] = [];
    for (const i of ids) {
      await ok(kin.admin('/v1/sources', { method: 'POST', body: JSON.stringify({ name: `src-${i}` }), headers: json }), 201);
      await ok(kin.admin(`/v1/sources/src-${i}`, { method: 'DELETE' }));
      tokens.push(
        (await ok(
          kin.admin('/v1/tokens', { method: 'POST', body: JSON.stringify({ name: `t-${i}`, scopes: ['analytics:read'] }), headers: json }),
          201,
        )) as IssuedToken,
      );
      await ok(kin.admin(`/v1/tokens/${tokens[i]!.token.id}/rotate`, { method: 'POST' }));
      await ok(kin.admin(`/v1/tokens/${tokens[i]!.token.id}`, { method: 'DELETE' }));
      await ok(
        kin.admin('/v1/imports?source=web&format=csv', {
          method: 'POST',
          body: `userId,plan\nimp-${i},basic\n`,
          headers: { 'content-type': 'text/csv' },
        }),
      );
      await ok(
        kin.admin(`/v1/profiles/${ref('user_id', `u-${i}`)}/external_ids/${ref('email', `person${i}@shop.example`)}`, { method: 'DELETE' }),
      );
      await ok(
        kin.admin(`/v1/profiles/${ref('user_id', `u-${i}`)}/split`, {
          method: 'POST',
          body: JSON.stringify({ externalIds: [`anonymous_id:a-${i}`] }),
          headers: json,
        }),
      );
      const merges = (await ok(kin.admin(`/v1/profiles/${ref('user_id', `m-u-${i}`)}/merges`))) as {
        data: Array<{ id: string; rule: string }>;
      };
      await ok(kin.admin(`/v1/merges/${merges.data.find((m) => m.rule === 'merge')!.id}/undo`, { method: 'POST' }));
    }
    const rules = (await ok(kin.admin('/v1/rules/do-not-link'))) as { data: Array<{ id: string }> };
    expect(rules.data.length).toBeGreaterThanOrEqual(N);
    for (const rule of rules.data.slice(0, N)) await ok(kin.admin(`/v1/rules/do-not-link/${rule.id}`, { method: 'DELETE' }));
    // Refused writes are not changes: nothing is recorded for them.
    await ok(kin.admin('/v1/sources', { method: 'POST', body: JSON.stringify({ name: 'src-0!' }), headers: json }), 400);

    const entries = await allEntries();
    expect(entries).toHaveLength(100);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const kinds = new Map<string, number>();
    for (const e of entries) kinds.set(e.action, (kinds.get(e.action) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({
      'sources.create': 10,
      'sources.revoke': 10,
      'tokens.create': 10,
      'tokens.rotate': 10,
      'tokens.revoke': 10,
      'imports.create': 10,
      'profiles.external_ids.delete': 10,
      'profiles.split': 10,
      'merges.undo': 10,
      'rules.do-not-link.delete': 10,
    });
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    expect(entries.every((e) => e.actor.id === 'admin' && /^[0-9a-f]{64}$/.test(e.changeHash) && e.requestId !== '')).toBe(true);
    expect(entries.find((e) => e.action === 'tokens.create')!.target).toBe(`token:${tokens[0]!.token.id}`);
    expect(entries.find((e) => e.action === 'sources.revoke')!.target).toBe('/v1/sources/src-0');
    // No plain identifier: the email and user id in the path are keyed hashes, bodies are hashed whole.
    const text = JSON.stringify(entries);
    expect(text).not.toContain('shop.example');
    expect(text).not.toContain('u-0');
    expect(entries.find((e) => e.action === 'profiles.external_ids.delete')!.target).toMatch(
      /^\/v1\/profiles\/user_id:#[0-9a-f]{16}\/external_ids\/email:#[0-9a-f]{16}$/,
    );

    const filtered = (await ok(kin.admin('/v1/audit?action=merges.undo&actor=admin&limit=100'))) as { data: AuditEntry[] };
    expect(filtered.data).toHaveLength(10);
    const since = (await ok(kin.admin(`/v1/audit?since=${encodeURIComponent(entries[95]!.at)}&limit=100`))) as { data: AuditEntry[] };
    expect(since.data.every((e) => e.at >= entries[95]!.at)).toBe(true);
    expect(since.data.length).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('kin audit verify says ok, then names the seq of an entry with one byte flipped by direct SQL and exits 1', async () => {
    const clean = { KIN_ADMIN_TOKEN: '', KIN_WRITE_KEYS: '', KIN_DB: '' };
    const verified = await runKin(['audit', 'verify', '--db', kin.dbPath], clean);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe('ok: 100 entries, chain intact\n');
    expect(await ok(kin.admin('/v1/audit/verify'))).toEqual({ ok: true, entries: 100 });

    const db = new Database(kin.dbPath);
    try {
      expect(() => db.prepare('UPDATE audit_log SET action = ? WHERE seq = 42').run('x')).toThrow(/append-only/);
      db.exec('DROP TRIGGER audit_log_no_update');
      const { action } = db.prepare('SELECT action FROM audit_log WHERE seq = 42').get() as { action: string };
      const flipped = String.fromCharCode(action.charCodeAt(0) ^ 1) + action.slice(1);
      db.prepare('UPDATE audit_log SET action = ? WHERE seq = 42').run(flipped);
    } finally {
      db.close();
    }
    const broken = await runKin(['audit', 'verify', '--db', kin.dbPath], clean);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('seq 42');
    expect(broken.stdout).toBe('');
    expect(await ok(kin.admin('/v1/audit/verify'))).toEqual({ ok: false, seq: 42, reason: 'hash does not match the entry' });
  }, 30_000);
});
