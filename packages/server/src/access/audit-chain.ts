/**
 * The audit log's hash chain. Each entry's `hash` is SHA-256 over its predecessor's hash and its own fields
 * (in a fixed order, as a JSON array), so changing, removing or reordering any stored entry breaks every
 * hash from there on; `verifyAuditChain` names the first entry that does not hold.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '@kin/core/api/access-api.ts';
import type { AuditDraft, AuditStore } from '../storage/audit-store.ts';

/** The `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash an entry must carry, from its fields and its predecessor's hash. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const fields = [e.seq, e.at, e.actor.id, e.actor.name, e.action, e.target, e.requestId, e.changeHash];
  return createHash('sha256').update(e.prevHash).update('\n').update(JSON.stringify(fields)).digest('hex');
}

/** Seals a draft as entry `seq` after an entry whose hash is `prevHash` (what `AuditStore.appendAudit` calls). */
export function sealAuditEntry(draft: AuditDraft, seq: number, prevHash: string | undefined): AuditEntry {
  const unsealed = { seq, ...draft, prevHash: prevHash ?? GENESIS_HASH };
  return { ...unsealed, hash: entryHash(unsealed) };
}

/** The outcome of a verification: every entry holds, or the first that does not and why. */
export type AuditVerdict = { ok: true; entries: number } | { ok: false; seq: number; reason: string };

/** Walks the whole log in seq order, page by page, and checks seq, prevHash and hash of each entry. */
export async function verifyAuditChain(store: Pick<AuditStore, 'scanAudit'>, pageSize = 1000): Promise<AuditVerdict> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const page = await store.scanAudit(expectedSeq - 1, pageSize);
    for (const entry of page) {
      if (entry.seq !== expectedSeq)
        return { ok: false, seq: expectedSeq, reason: `entry ${expectedSeq} is missing (next stored is ${entry.seq})` };
      if (entry.prevHash !== prevHash) return { ok: false, seq: entry.seq, reason: 'prevHash does not match the previous entry' };
      if (entryHash(entry) !== entry.hash) return { ok: false, seq: entry.seq, reason: 'hash does not match the entry' };
      prevHash = entry.hash;
      expectedSeq++;
    }
    if (page.length < pageSize) return { ok: true, entries: expectedSeq - 1 };
  }
}
