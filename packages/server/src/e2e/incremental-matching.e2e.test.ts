/**
 * Incremental matching over real HTTP, on SQLite and on a real PostgreSQL: a CRM file and a generated
 * newsletter list (400 rows, so the model has data to learn from) are imported, then identify calls
 * arrive with person traits. The follower matches each arrival against the persistent
 * blocking index the write path keeps: a typo'd name with the CRM profile's phone is merged (ledger rule
 * `match`, explained by `GET /v1/match/links`, undone by `POST /v1/merges/{id}/undo`), and a doubtful one
 * lands in the review queue instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePeople } from '@kin/core/matching/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';

const postgres = await testPostgresStatus();

const CRM = [
  'crm_id,first_name,last_name,dob,phone,email,address,city,postcode',
  'C1,Robert,Smith,1980-03-14,+44 7700 900123,rob.smith@example.com,12 High Street,London,N1 9GU',
  'C2,Alice,Jones,1975-11-02,+44 7700 900456,alice.j@example.com,3 Mill Lane,Leeds,LS1 4AB',
  'C3,Marta,Kowalski,1990-06-30,+44 7700 900789,marta.k@example.com,8 Park Road,York,YO1 7HH',
].join('\n');

const people = generatePeople({ count: 400, seed: 5 });
const column = (row: readonly string[], name: string): string => row[people.headers.indexOf(name)] ?? '';
const FILE = [
  CRM,
  ...people.rows.map((r, i) =>
    [
      `N${i}`,
      ...['first_name', 'last_name', 'dob', 'phone', 'email'].map((c) => column(r, c)),
      '',
      column(r, 'city'),
      column(r, 'postcode'),
    ].join(','),
  ),
].join('\n');

for (const store of ['sqlite', 'postgres'] as const) {
  describe.skipIf(store === 'postgres' && !postgres.ok && !servicesRequired())(`incremental matching (${store})`, () => {
    let kin: TestKin;
    let db: TestDatabase | undefined;
    let dir: string;
    const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const res = await kin.admin(path, init);
      expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
      return (await res.json()) as T;
    };
    const idOf = async (ref: string) => (await json<{ id: string }>(`/v1/profiles/${encodeURIComponent(ref)}`)).id;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'kin-incremental-'));
      const policy = join(dir, 'policy.json');
      writeFileSync(policy, JSON.stringify({ matching: { incremental: true } }));
      db = store === 'postgres' ? await createTestDatabase() : undefined;
      kin = await startTestKin({ env: { KIN_POLICY: policy, ...(db ? { KIN_DB: db.url } : {}) } });
      // Paused during the import, so the model is learnt on the whole file whatever the commit sizes (the
      // PostgreSQL store commits an import in several group commits): the figures below do not depend on timing.
      await kin.kin.matcher!.stop();
      const imported = await json<{ imported: number }>('/v1/imports?source=crm', {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: FILE,
      });
      expect(imported.imported).toBe(403);
      await kin.kin.matcher!.drain();
      kin.kin.matcher!.start();
    });

    afterAll(async () => {
      await kin?.close();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('matches imported records as they arrive: the CRM people stay apart, duplicates in the list are merged', async () => {
      const profiles = await Promise.all(['crm_id:C1', 'crm_id:C2', 'crm_id:C3'].map(idOf));
      expect(new Set(profiles).size).toBe(3);
      // Every arrival is matched once, but those a merge absorbed first (their keys went with them).
      expect(kin.kin.matcher!.stats.matched).toBeGreaterThan(250);
      expect(kin.kin.matcher!.stats.merged).toBeGreaterThan(0);
    });

    it('merges an identify with a typo in the name and the CRM phone, explainably and reversibly', async () => {
      const sent = await kin.track('/v1/identify', {
        anonymousId: 'web-rob',
        traits: { firstName: 'Robret', lastName: 'Smith', phone: '+1 770 090 0123' },
      });
      expect(sent.status).toBe(200);
      await kin.kin.matcher!.drain();
      const crm = await idOf('crm_id:C1');
      expect(await idOf('anonymous_id:web-rob'), JSON.stringify(await json('/v1/review?status=open'))).toBe(crm);

      const merges = (
        await json<{ data: Array<{ id: string; rule: string; survivorId: string; absorbedId: string }> }>(`/v1/profiles/${crm}/merges`)
      ).data;
      const merge = merges.find((m) => m.rule === 'match');
      expect(merge, JSON.stringify(merges)).toBeDefined();
      const links = (
        await json<{
          data: Array<{ runId: string; probability: number; evidence: Array<{ field: string; level: string; weight: number }> }>;
        }>(`/v1/match/links?profile=${crm}`)
      ).data;
      expect(links).toHaveLength(1);
      expect(links[0]!.runId).toBe('incremental');
      expect(links[0]!.probability).toBeGreaterThanOrEqual(0.95);
      expect(links[0]!.evidence.find((e) => e.field === 'phone')?.weight).toBeGreaterThan(0);
      expect(links[0]!.evidence.find((e) => e.field === 'first_name')?.level).not.toBe('exact');

      const undone = await kin.admin(`/v1/merges/${merge!.id}/undo`, { method: 'POST' });
      expect(undone.status).toBe(200);
      expect(await idOf('anonymous_id:web-rob')).not.toBe(await idOf('crm_id:C1'));
      // The undo's replay re-keys both profiles without making them arrivals again: no second merge.
      await kin.kin.matcher!.drain();
      expect(await idOf('anonymous_id:web-rob')).not.toBe(await idOf('crm_id:C1'));
    });

    it('queues a doubtful arrival for review instead of merging it', async () => {
      const crm = await idOf('crm_id:C2');
      // Same name, another phone, nothing else to go on: the same person or a namesake.
      const sent = await kin.track('/v1/identify', {
        anonymousId: 'web-alice',
        traits: { firstName: 'Alice', lastName: 'Jones', phone: '+44 7700 900999' },
      });
      expect(sent.status).toBe(200);
      await kin.kin.matcher!.drain();
      const visitor = await idOf('anonymous_id:web-alice');
      expect(visitor, JSON.stringify(await json(`/v1/match/links?profile=${crm}`))).not.toBe(crm);
      const queue = (
        await json<{ data: Array<{ runId: string; probability: number; a: { id: string }; b: { id: string } }> }>(
          '/v1/review?status=open&limit=500',
        )
      ).data;
      const item = queue.find((i) => [i.a.id, i.b.id].sort().join() === [crm, visitor].sort().join());
      expect(item).toBeDefined();
      expect(item!.runId).toBe('incremental');
      expect(item!.probability).toBeLessThan(0.95);
      expect(item!.probability).toBeGreaterThanOrEqual(0.5);
    });
  });
}
