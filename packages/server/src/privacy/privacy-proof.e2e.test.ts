/**
 * Issue 18's proof of delete, over a real socket, on both stores: the writer thread and a SQLite file, and an
 * embedded PostgreSQL store (skipped without PostgreSQL unless KIN_REQUIRE_SERVICES). A person with an email,
 * a phone, two anonymous ids and a device id, 1,000 events over three sources, deleted by phone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PrivacyRequest, Stats } from '@kin/core';
import type { TestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { runKin } from '../testing/kin-process.ts';

const EMAIL = 'forget.me.ann@example.com';
const PHONE_RAW = '+1 (415) 555-0163';
const PHONE = '+14155550163';
const KEYS = { web: 'test-write-key-web-0123', ios: 'test-write-key-ios-0123', crm: 'test-write-key-crm-0123' } as const;
type SourceName = keyof typeof KEYS;
const basic = (source: SourceName) => 'Basic ' + Buffer.from(`${KEYS[source]}:`).toString('base64');

/** The person's 1,000 events as 10 requests of 100, over three sources. */
function personRequests(): Array<{ source: SourceName; batch: Array<Record<string, unknown>> }> {
  const requests: Array<{ source: SourceName; batch: Array<Record<string, unknown>> }> = [];
  let n = 0;
  const next = () => `ann-msg-${++n}`;
  for (let r = 0; r < 10; r++) {
    const source: SourceName = r < 4 ? 'web' : r < 7 ? 'ios' : 'crm';
    const batch = Array.from({ length: 100 }, (_, i) => {
      if (source === 'web')
        return i === 0
          ? { type: 'identify', anonymousId: 'ann-anon-1', messageId: next(), traits: { email: EMAIL, phone: PHONE_RAW } }
          : { type: 'track', anonymousId: 'ann-anon-1', event: 'Viewed', messageId: next() };
      if (source === 'ios') {
        const context = { device: { id: 'ann-device-1', type: 'ios' } };
        return i === 0
          ? { type: 'identify', anonymousId: 'ann-anon-2', messageId: next(), context, traits: { email: EMAIL } }
          : { type: 'screen', name: 'Home', anonymousId: 'ann-anon-2', messageId: next(), context };
      }
      return { type: 'identify', anonymousId: 'ann-anon-1', messageId: next(), traits: { email: EMAIL, phone: PHONE, plan: `p${i}` } };
    });
    requests.push({ source, batch });
  }
  return requests;
}

let kin: TestKin | undefined;
let pg: TestDatabase | undefined;
const dir = mkdtempSync(join(tmpdir(), 'kin-privacy-proof-'));
afterAll(async () => {
  await kin?.close();
  await pg?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const postgresUp = (await testPostgresStatus()).ok;

/** The stored bytes of a store: the SQLite file and its WAL, or a data-only pg_dump of the database. */
function storedCopies(db: string): string[] {
  if (db.startsWith('postgres'))
    return [execFileSync('pg_dump', ['--data-only', db], { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 })];
  const files = ['kin.db', 'kin.db-wal'].map((f) => join(dirname(db), f)).filter((f) => existsSync(f));
  expect(files.length).toBeGreaterThan(0);
  return files.map((f) => readFileSync(f, 'latin1'));
}

for (const mode of ['sqlite', 'postgres'] as const) {
  describe.skipIf(mode === 'postgres' && !postgresUp && !servicesRequired())(`privacy proof: delete by phone (${mode})`, () => {
    it('removes the person within 10 s, drops every re-sent and fresh event, survives kin replay, leaves no plain copy', async () => {
      const env: Record<string, string> = {
        KIN_WRITE_KEYS: Object.entries(KEYS)
          .map(([name, key]) => `${name}:${key}`)
          .join(','),
      };
      let db = join(dir, 'kin.db');
      if (mode === 'postgres') {
        pg = await createTestDatabase();
        db = pg.url;
        // PostgreSQL keeps the generated secret in ./.kin of the working directory: configured here instead.
        env.KIN_PRIVACY_SECRET = 'privacy-proof-secret-0123456789';
      }
      kin = await startTestKin({ env, db });
      const send = async (source: SourceName, batch: unknown[]) => {
        const res = await fetch(`${kin!.url}/v1/batch`, {
          method: 'POST',
          headers: { authorization: basic(source), 'content-type': 'application/json' },
          body: JSON.stringify({ batch }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { accepted: number; duplicates: number; suppressed: number };
      };
      const requests = personRequests();
      for (const r of requests) expect((await send(r.source, r.batch)).accepted).toBe(100);
      // Somebody else, who must stay whole.
      await send(
        'web',
        Array.from({ length: 50 }, (_, i) => ({
          type: 'identify',
          userId: 'bob-1',
          messageId: `bob-${i}`,
          traits: { email: 'bob@example.com' },
        })),
      );
      const profile = (await (await kin.admin(`/v1/profiles/phone:${encodeURIComponent(PHONE)}`)).json()) as {
        id: string;
        externalIds: Array<{ type: string; value: string }>;
      };
      const identifiers = profile.externalIds.map((i) => `${i.type}:${i.value}`).sort();
      expect(identifiers).toEqual([
        `anonymous_id:ann-anon-1`,
        'anonymous_id:ann-anon-2',
        `email:${EMAIL}`,
        'ios.id:ann-device-1',
        `phone:${PHONE}`,
      ]);
      const before = (await (await kin.admin('/v1/stats')).json()) as Stats;

      const started = Date.now();
      const res = await kin.admin('/v1/privacy/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'delete', subject: { ref: `phone:${PHONE}` } }),
      });
      expect(res.status).toBe(202);
      const accepted = (await res.json()) as PrivacyRequest;
      expect(accepted.subject.identifiers.sort()).toEqual(identifiers);
      let done: PrivacyRequest | undefined;
      while (Date.now() - started < 10_000) {
        done = (await (await kin.admin(`/v1/privacy/requests/${accepted.id}`)).json()) as PrivacyRequest;
        if (done.status === 'completed' || done.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const elapsed = Date.now() - started;
      console.log(`privacy proof: delete of 1,000 events completed in ${elapsed} ms`);
      expect(done?.status).toBe('completed');
      expect(elapsed).toBeLessThan(10_000);
      expect(done?.store.outcome).toMatchObject({ eventsDeleted: 1000, identifiers: 5 });

      for (const ref of identifiers) expect((await kin.admin(`/v1/profiles/${encodeURIComponent(ref)}`)).status).toBe(404);
      expect((await kin.admin(`/v1/profiles/${profile.id}`)).status).toBe(404);
      const after = (await (await kin.admin('/v1/stats')).json()) as Stats;
      expect(after.events).toBe(before.events - 1000);
      expect(after.profiles).toBe(before.profiles - 1);

      // The saved requests again, then fresh copies with new messageIds: nothing stored, 2,000 suppressed.
      let suppressed = 0;
      let stored = 0;
      for (const r of requests) {
        const a = await send(r.source, r.batch);
        const b = await send(
          r.source,
          r.batch.map((e, i) => ({ ...e, messageId: `fresh-${r.source}-${i}-${String(e.messageId)}` })),
        );
        suppressed += a.suppressed + b.suppressed;
        stored += a.accepted + b.accepted;
      }
      expect([suppressed, stored]).toEqual([2000, 0]);
      const resent = (await (await kin.admin('/v1/stats')).json()) as Stats;
      expect(resent).toMatchObject({ events: after.events, profiles: after.profiles, suppressedEvents: 2000 });
      for (const ref of identifiers) expect((await kin.admin(`/v1/profiles/${encodeURIComponent(ref)}`)).status).toBe(404);
      expect((await kin.admin('/v1/profiles/email:bob@example.com')).status).toBe(200);

      const logs = [...kin.logLines];
      const dbPath = kin.dbPath;
      await kin.close();
      kin = undefined;

      const replay = await runKin(['replay', '--db', dbPath], mode === 'postgres' ? { KIN_PRIVACY_SECRET: env.KIN_PRIVACY_SECRET! } : {});
      expect(replay.code, replay.stderr).toBe(0);
      kin = await startTestKin({ env, db: dbPath });
      for (const ref of identifiers) expect((await kin.admin(`/v1/profiles/${encodeURIComponent(ref)}`)).status).toBe(404);
      expect((await kin.admin('/v1/profiles/email:bob@example.com')).status).toBe(200);
      // The tombstones outlive the restart: the same secret (the file beside the database, or the configured one) gives the same keys.
      expect(
        (await send('crm', [{ type: 'identify', anonymousId: 'someone-new', messageId: 'after-restart', traits: { email: EMAIL } }]))
          .suppressed,
      ).toBe(1);
      logs.push(...kin.logLines, replay.stdout, replay.stderr);
      await kin.close();
      kin = undefined;

      const copies = storedCopies(dbPath);
      for (const needle of [EMAIL, PHONE, PHONE_RAW, '4155550163', 'ann-anon-1', 'ann-device-1']) {
        copies.forEach((copy, i) => expect(copy.includes(needle), `${needle} in stored copy ${i}`).toBe(false));
        expect(logs.join('\n')).not.toContain(needle);
      }
      expect(copies[0]).toContain('bob@example.com');
      await pg?.drop();
      pg = undefined;
    });
  });
}
