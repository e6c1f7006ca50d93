/**
 * The conformance suite of the access ports (tokens, audit log): one function every adapter's test file calls,
 * so both stores keep tokens and chain the audit log the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditEntry, verifyAuditChain } from '../access/audit-chain.ts';
import type { AuditDraft } from './audit-store.ts';
import type { Store } from './storage.ts';

/** How a test file plugs its adapter in. */
export interface AccessConformanceTarget {
  name: string;
  /** A fresh, migrated, empty store. */
  create: () => Promise<Store>;
  destroy: (store: Store) => Promise<void>;
  /** Runs one statement on the store's database over another connection, as an intruder with file access would. */
  exec: (store: Store, sql: string) => Promise<void>;
  /** The statement that lifts the audit log's append-only trigger (what an intruder would run first). */
  unlockAuditSql: string;
}

const T0 = '2026-11-01T10:00:00.000Z';

const draft = (i: number, extra: Partial<AuditDraft> = {}): AuditDraft => ({
  at: new Date(Date.parse(T0) + i * 1000).toISOString(),
  actor: { id: i % 2 ? 'tok-a' : 'tok-b', name: i % 2 ? 'ci' : 'ops' },
  action: i % 3 ? 'sources.create' : 'merges.undo',
  target: `t-${i}`,
  requestId: `req-${i}`,
  changeHash: 'c'.repeat(64),
  ...extra,
});

/** Registers the suite for one adapter. */
export function runAccessConformance(target: AccessConformanceTarget): void {
  describe(`access conformance: ${target.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await target.create();
    });
    afterAll(async () => {
      await target.destroy(store);
    });

    it('keeps a token by the digest of its secret; rotation replaces the digest, revocation ends it', async () => {
      await store.tokens.createToken({
        id: 'tok-1',
        name: 'ci',
        scopes: ['profiles:read', 'audit:read'],
        createdAt: T0,
        expiresAt: '2027-01-01T00:00:00.000Z',
        secretHash: 'h1',
      });
      await store.tokens.createToken({ id: 'tok-2', name: 'ops', scopes: ['tokens:write'], createdAt: T0, secretHash: 'h2' });
      expect(await store.tokens.findTokenBySecretHash('h1')).toEqual({
        id: 'tok-1',
        name: 'ci',
        scopes: ['profiles:read', 'audit:read'],
        createdAt: T0,
        expiresAt: '2027-01-01T00:00:00.000Z',
        secretHash: 'h1',
      });
      expect((await store.tokens.listTokens()).map((t) => [t.id, 'secretHash' in t])).toEqual([
        ['tok-1', false],
        ['tok-2', false],
      ]);
      expect(await store.tokens.rotateToken('tok-1', 'h1b', '2026-11-02T00:00:00.000Z')).toMatchObject({
        id: 'tok-1',
        rotatedAt: '2026-11-02T00:00:00.000Z',
      });
      expect(await store.tokens.findTokenBySecretHash('h1')).toBeUndefined();
      expect((await store.tokens.findTokenBySecretHash('h1b'))?.id).toBe('tok-1');
      expect(await store.tokens.revokeToken('tok-2', '2026-11-03T00:00:00.000Z')).toMatchObject({ revokedAt: '2026-11-03T00:00:00.000Z' });
      expect(await store.tokens.revokeToken('tok-2', '2026-11-04T00:00:00.000Z')).toBeUndefined();
      expect(await store.tokens.rotateToken('tok-2', 'h2b', T0)).toBeUndefined();
      expect((await store.tokens.findToken('tok-2'))?.revokedAt).toBe('2026-11-03T00:00:00.000Z');
      expect(await store.tokens.findToken('nope')).toBeUndefined();
    });

    it('chains concurrent appends without gaps and answers filtered pages', async () => {
      const appended = await Promise.all(Array.from({ length: 30 }, (_, i) => store.audit.appendAudit(draft(i + 1), sealAuditEntry)));
      expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(await verifyAuditChain(store.audit, 7)).toEqual({ ok: true, entries: 30 });

      const first = await store.audit.listAudit({ limit: 4, actor: 'tok-a' });
      expect(first.data.map((e) => e.actor.id)).toEqual(['tok-a', 'tok-a', 'tok-a', 'tok-a']);
      expect(first.cursor.hasMore).toBe(true);
      const all: number[] = [];
      for (let cursor: string | undefined; ;) {
        const page = await store.audit.listAudit({ limit: 4, action: 'merges.undo', ...(cursor ? { cursor } : {}) });
        all.push(...page.data.map((e) => e.seq));
        if (!page.cursor.next) break;
        cursor = page.cursor.next;
      }
      expect(all).toEqual([...all].sort((a, b) => a - b));
      expect(all.length).toBe(10);
      const since = await store.audit.listAudit({ limit: 100, since: draft(28).at });
      expect(since.data.map((e) => e.target).sort()).toEqual(['t-28', 't-29', 't-30']);
      expect(await store.audit.scanAudit(0, 100)).toEqual([...appended].sort((a, b) => a.seq - b.seq));
    });

    it('refuses UPDATE and DELETE of audit rows, and verify names a row changed behind its back', async () => {
      await expect(target.exec(store, "UPDATE audit_log SET action = 'x' WHERE seq = 3")).rejects.toThrow(/append-only/);
      await expect(target.exec(store, 'DELETE FROM audit_log WHERE seq = 3')).rejects.toThrow(/append-only/);
      expect((await verifyAuditChain(store.audit)).ok).toBe(true);
      await target.exec(store, target.unlockAuditSql);
      await target.exec(store, "UPDATE audit_log SET target = 'u' || substr(target, 2) WHERE seq = 7");
      expect(await verifyAuditChain(store.audit, 4)).toEqual({ ok: false, seq: 7, reason: 'hash does not match the entry' });
    });
  });
}
