import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '@kin/core';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { splitProfile, undoMerge } from '../../identity/identity-undo.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import type { Store } from '../storage.ts';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const at = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
let n = 0;
const ev = (minute: number, fields: Partial<TrackingEvent>): TrackingEvent => ({
  type: 'track',
  event: 'E',
  messageId: `x${++n}`,
  timestamp: at(minute),
  receivedAt: at(minute),
  ...fields,
});
const consent = (categories: Record<string, boolean>) => ({ consent: { categoryPreferences: categories } });

function policyWith(json: unknown): IdentityPolicy {
  const parsed = parsePolicy(json);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

async function run(policy: IdentityPolicy, events: TrackingEvent[]): Promise<Store> {
  const store = await openSqliteStore({ path: ':memory:' });
  stores.push(store);
  const deps = { policy, normalize: normalizerFor(policy) };
  for (const event of events) await store.transaction((tx) => applyEvents(tx, 'web', [event], deps));
  return store;
}

const profile = async (store: Store, type: string, value: string) =>
  store.findProfile((await store.findProfileIdByIdentifier({ type, value }))!);

describe('SQLite store: consent', () => {
  const stream = () => [
    ev(1, { anonymousId: 'a', context: consent({ analytics: true, ads: false }) }),
    ev(2, { userId: 'u', context: consent({ analytics: false, ads: true }) }),
    ev(3, { anonymousId: 'a', context: consent({ analytics: true }) }),
    ev(4, { userId: 'u', anonymousId: 'a' }),
  ];

  it('keeps the latest value per category within a profile, and the most restrictive on merge (default)', async () => {
    const store = await run(policyWith({}), stream());
    expect((await profile(store, 'user_id', 'u'))?.consent).toEqual({
      ads: { granted: false, timestamp: at(1) },
      analytics: { granted: false, timestamp: at(2) },
    });
  });

  it('keeps the value set last on merge with consent.onMerge "latest"', async () => {
    const store = await run(policyWith({ consent: { onMerge: 'latest' } }), stream());
    expect((await profile(store, 'user_id', 'u'))?.consent).toEqual({
      ads: { granted: true, timestamp: at(2) },
      analytics: { granted: true, timestamp: at(3) },
    });
  });

  it('links anonymous ids only with the required consent', async () => {
    const store = await run(policyWith({ consent: { requiredForAnonymousLinking: 'analytics' } }), [
      ev(1, { anonymousId: 'no-consent' }),
      ev(2, { anonymousId: 'consented', context: consent({ analytics: true }) }),
      ev(3, { userId: 'u', anonymousId: 'no-consent' }),
    ]);
    expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'no-consent' })).toBeUndefined();
    expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'consented' })).toBeDefined();
    const explain = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u' }))!);
    expect(explain?.refusals).toMatchObject([{ type: 'anonymous_id', value: 'no-consent', reason: 'no_consent' }]);
  });
});

describe('SQLite store: shared devices', () => {
  it('stops linking a device seen with more than maxUserIds user ids, and raises a shared_device warning', async () => {
    const store = await run(policyWith({ sharedDevice: { maxUserIds: 2 } }), [
      ev(1, { userId: 'u1', context: { device: { id: 'kiosk', type: 'ios' } } }),
      ev(2, { userId: 'u2', context: { device: { id: 'kiosk', type: 'ios' } } }),
      ev(3, { userId: 'u3', context: { device: { id: 'kiosk', type: 'ios' } } }),
      ev(4, { userId: 'u1', context: { device: { id: 'kiosk', type: 'ios' } } }),
    ]);
    // u2 was refused by the user_id limit (R6); u3 by the shared-device guard (R11), and u1 too from then on.
    const u3 = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u3' }))!);
    expect(u3?.refusals).toMatchObject([{ type: 'ios.id', value: 'kiosk', reason: 'shared_device' }]);
    const u1 = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u1' }))!);
    expect(u1?.refusals.map((r) => r.reason)).toEqual(['shared_device']);
    const warnings = await store.listWarnings({ kind: 'shared_device', limit: 10 });
    expect(warnings.data).toHaveLength(2);
    const snapshot = await store.readSnapshot([{ type: 'ios.id', value: 'kiosk' }]);
    expect(snapshot.deviceUsers).toEqual([{ identifier: { type: 'ios.id', value: 'kiosk' }, userIds: ['u1', 'u2', 'u3'] }]);
  });

  it('does not keep invalid identifiers as refusals, but keeps blocked ones', async () => {
    const store = await run(policyWith({}), [ev(1, { userId: 'u', anonymousId: 'null', properties: { email: 'not-an-email' } })]);
    const explain = await store.explainProfile((await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u' }))!);
    expect(explain?.refusals).toMatchObject([{ type: 'anonymous_id', value: 'null', reason: 'blocked' }]);
  });
});

describe('SQLite store: upgrade to migration 4', () => {
  it('keeps old identifiers and merges explainable; an old merge without sides cannot be undone, a split can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-upgrade-'));
    try {
      const path = join(dir, 'old.db');
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of SQLITE_MIGRATIONS.filter((m) => m.version < 4)) {
        old.exec(m.sql);
        old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, at(0));
      }
      old.prepare('INSERT INTO profiles (id, created_at, updated_at) VALUES (?, ?, ?)').run('p1', at(1), at(2));
      old
        .prepare('INSERT INTO profiles (id, created_at, updated_at, merged_into, merge_count) VALUES (?, ?, ?, ?, 0)')
        .run('p2', at(1), at(2), 'p1');
      old.prepare('UPDATE profiles SET merge_count = 1 WHERE id = ?').run('p1');
      const identifier = old.prepare('INSERT INTO identifiers VALUES (?, ?, ?, ?, ?, ?)');
      identifier.run('user_id', 'old-user', 'p1', 'web', at(1), at(1));
      identifier.run('anonymous_id', 'old-anon', 'p1', 'web', at(1), at(2));
      const event = old.prepare(
        'INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      event.run(
        'o1',
        'web',
        'p1',
        'identify',
        null,
        at(1),
        at(1),
        JSON.stringify({ type: 'identify', messageId: 'o1', userId: 'old-user', timestamp: at(1), receivedAt: at(1) }),
      );
      event.run(
        'o2',
        'web',
        'p1',
        'page',
        null,
        at(2),
        at(2),
        JSON.stringify({ type: 'page', messageId: 'o2', anonymousId: 'old-anon', timestamp: at(2), receivedAt: at(2) }),
      );
      event.run(
        'o3',
        'web',
        'p1',
        'identify',
        null,
        at(3),
        at(3),
        JSON.stringify({
          type: 'identify',
          messageId: 'o3',
          userId: 'old-user',
          anonymousId: 'old-anon',
          timestamp: at(3),
          receivedAt: at(3),
        }),
      );
      old
        .prepare(
          "INSERT INTO merges (id, survivor_id, absorbed_id, rule, via, message_id, source_id, created_at) VALUES ('m-old', 'p1', 'p2', 'merge', '[]', 'o3', 'web', ?)",
        )
        .run(at(3));
      old.close();

      const store = await openSqliteStore({ path });
      stores.push(store);
      const explain = await store.explainProfile('p2');
      expect(explain?.profile.id).toBe('p1');
      expect(explain?.identifiers.map((i) => [i.type, i.messageId])).toEqual([
        ['anonymous_id', undefined],
        ['user_id', undefined],
      ]);
      const deps = { policy: policyWith({}), normalize: normalizerFor(policyWith({})) };
      expect(await undoMerge(store, 'm-old', deps, at(10))).toMatchObject({ ok: false, code: 'conflict' });
      const split = await splitProfile(store, 'p1', [{ type: 'anonymous_id', value: 'old-anon' }], deps, at(10));
      expect(split).toMatchObject({ ok: true, events: 3 });
      const user = await store.findProfileIdByIdentifier({ type: 'user_id', value: 'old-user' });
      const anon = await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'old-anon' });
      expect(user).toBeDefined();
      expect(anon).toBeDefined();
      expect(user).not.toBe(anon);
      // Old ids still answer: they point at a live profile.
      expect((await store.findProfile('p1'))?.id).toBeDefined();
      expect((await store.findProfile('p2'))?.id).toBeDefined();
    } finally {
      for (const store of stores.splice(0)) await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SQLite store: profiles read in one batch (the audience evaluator's readProfiles)", () => {
  it('answers each id as findProfile does: live, merged away (its survivor), unknown', async () => {
    const store = await run(policyWith({}), [
      ev(1, { anonymousId: 'a1', context: consent({ ads: true, analytics: false }) }),
      ev(2, { type: 'identify', userId: 'u1', traits: { plan: 'pro', email: 'u1@x.io', nested: { k: [1, 2] } } }),
      ev(3, { userId: 'u1', anonymousId: 'a1' }),
      ev(4, { anonymousId: 'a2', context: { traits: { email: 'a2@x.io' } } }),
      ev(5, { type: 'identify', anonymousId: 'a3', traits: { plan: 'free' } }),
      ev(6, { userId: 'u1', anonymousId: 'a3' }),
    ]);
    const survivor = await profile(store, 'user_id', 'u1');
    expect(survivor?.mergedFrom.length).toBe(2);
    const live = (await profile(store, 'anonymous_id', 'a2'))!.id;
    const asked = [...survivor!.mergedFrom, survivor!.id, live, 'no-such-profile'];
    const batch = await store.audiences.readProfiles!(asked);
    expect([...batch.keys()]).toEqual(asked);
    for (const id of asked) expect(batch.get(id)).toEqual(await store.findProfile(id));
    expect(batch.get(survivor!.mergedFrom[0]!)?.id).toBe(survivor!.id);
    expect(batch.get('no-such-profile')).toBeUndefined();
  });
});
