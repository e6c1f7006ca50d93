/**
 * Audit entries of admin writes made from the command line (`kin tokens …`), in the same hash chain as the
 * HTTP guard's (http/access-guard.ts). The actor is `cli` with the operating-system user, since a CLI holds
 * the database itself and no token; the change hash covers the command and the SHA-256 of its answer, as the
 * guard's covers the request and the answer. Never the secret itself.
 */
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import type { AuditEntry } from '@kin/core/api/access-api.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import { sealAuditEntry } from './audit-chain.ts';

/** The actor id of every CLI entry (filter `GET /v1/audit?actor=cli`). */
export const CLI_ACTOR_ID = 'cli';

/** The name a CLI entry shows: `kin cli (<os user>)`. */
export function cliActorName(): string {
  try {
    return `kin cli (${userInfo().username})`;
  } catch {
    // No passwd entry for the uid (some containers): the entry still says it came from the CLI.
    return 'kin cli';
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Appends the entry of one CLI change; answers it. */
export async function auditCommand(
  audit: AuditStore,
  change: { action: string; target: string; command: readonly string[]; answer: unknown; at: Date; requestId: string },
): Promise<AuditEntry> {
  const changeHash = sha256(JSON.stringify(['CLI', change.command.join(' '), sha256(JSON.stringify(change.answer))]));
  return audit.appendAudit(
    {
      at: change.at.toISOString(),
      actor: { id: CLI_ACTOR_ID, name: cliActorName() },
      action: change.action,
      target: change.target,
      requestId: change.requestId,
      changeHash,
    },
    sealAuditEntry,
  );
}
