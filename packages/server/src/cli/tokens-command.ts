/**
 * `kin tokens create|list|delete|rotate`: scoped admin tokens from the command line, on the database itself
 * (`--db`, as `kin sources`), for a first token without the bootstrap one, or when the server is down. Each
 * write is recorded in the audit log like the HTTP routes' (actor `cli`, access/command-audit.ts); a new or
 * rotated secret is printed once, on stdout alone, and never stored.
 */
import type { Command } from 'commander';
import { ACCESS_SCOPES } from '@kin/core/api/access-api.ts';
import type { AccessToken } from '@kin/core/api/access-api.ts';
import { auditCommand } from '../access/command-audit.ts';
import { issueToken, parseTokenRequest, rotateTokenSecret } from '../access/token-issue.ts';
import { systemClock } from '../ports/clock.ts';
import { createIdGenerator } from '../ports/ids.ts';
import type { Store } from '../storage/storage.ts';
import { withCliStore } from './cli-store.ts';
import { CliError } from './kin-cli.ts';

const DB_OPTION = ['--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)'] as const;

/** Registers `kin tokens`. */
export function registerTokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('scoped admin tokens: create, list, delete (revoke), rotate');
  const ids = createIdGenerator();

  tokens
    .command('create')
    .description('create a token and print its secret (shown once)')
    .requiredOption('--name <name>', 'what the token is for, e.g. "ci" or "support dashboard"')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${ACCESS_SCOPES.join(', ')}`)
    .option('--expires-at <iso>', 'ISO 8601 time after which the token stops working')
    .option(...DB_OPTION)
    .action(async (flags: { name: string; scopes: string; expiresAt?: string; db?: string }) => {
      const now = systemClock.now();
      const body = {
        name: flags.name,
        scopes: flags.scopes
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        ...(flags.expiresAt ? { expiresAt: flags.expiresAt } : {}),
      };
      const unknown = body.scopes.find((s) => !(ACCESS_SCOPES as readonly string[]).includes(s));
      if (unknown) throw new CliError(`unknown scope ${unknown} (scopes: ${ACCESS_SCOPES.join(', ')})`, 2);
      const parsed = parseTokenRequest(body, now);
      if (!parsed.ok) throw new CliError(`${cliField(parsed.field)}${parsed.message}`, 2);
      const issued = await withCliStore(flags.db, async (store) => {
        const made = await issueToken(store.tokens, parsed.request, { id: `tok_${ids.rowId()}`, now });
        await audited(store, 'tokens.create', made.token, ['tokens', 'create'], made);
        return made;
      });
      process.stderr.write(
        `created ${issued.token.id} (${issued.token.name}: ${issued.token.scopes.join(', ')}); the secret below is shown once\n`,
      );
      process.stdout.write(`${issued.secret}\n`);
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .option(...DB_OPTION)
    .action(async (flags: { json?: boolean; db?: string }) => {
      const list = await withCliStore(flags.db, (store) => store.tokens.listTokens());
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ data: list }, null, 2)}\n`);
        return;
      }
      const now = systemClock.now().getTime();
      process.stdout.write('ID\tNAME\tSCOPES\tCREATED\tEXPIRES\tSTATUS\n');
      for (const t of list)
        process.stdout.write(`${t.id}\t${t.name}\t${t.scopes.join(',')}\t${t.createdAt}\t${t.expiresAt ?? '-'}\t${statusOf(t, now)}\n`);
    });

  tokens
    .command('delete')
    .description('revoke a token: it stops working at once (its record stays, so audit entries still name it)')
    .argument('<id>', 'token id (tok_…)')
    .option(...DB_OPTION)
    .action(async (id: string, flags: { db?: string }) => {
      const revoked = await withCliStore(flags.db, async (store) => {
        const token = await store.tokens.revokeToken(id, systemClock.now().toISOString());
        if (token) await audited(store, 'tokens.revoke', token, ['tokens', 'delete', id], { token });
        return token;
      });
      if (!revoked) throw new CliError(`no live token has the id ${id}`);
      process.stdout.write(`revoked ${revoked.id} (${revoked.name})\n`);
    });

  tokens
    .command('rotate')
    .description('give a token a new secret (printed once); the old secret stops at once')
    .argument('<id>', 'token id (tok_…)')
    .option(...DB_OPTION)
    .action(async (id: string, flags: { db?: string }) => {
      const rotated = await withCliStore(flags.db, async (store) => {
        const issued = await rotateTokenSecret(store.tokens, id, systemClock.now());
        if (issued) await audited(store, 'tokens.rotate', issued.token, ['tokens', 'rotate', id], issued);
        return issued;
      });
      if (!rotated) throw new CliError(`no live token has the id ${id}`);
      process.stderr.write(`rotated ${rotated.token.id} (${rotated.token.name}); the new secret below is shown once\n`);
      process.stdout.write(`${rotated.secret}\n`);
    });

  /** Records a change with the HTTP routes' action names and a `token:<id>` target. */
  async function audited(store: Store, action: string, token: AccessToken, command: string[], answer: unknown): Promise<void> {
    await auditCommand(store.audit, {
      action,
      target: `token:${token.id}`,
      command,
      answer,
      at: systemClock.now(),
      requestId: ids.requestId(),
    });
  }
}

/** The flag a request field came from, as a prefix of the message. */
function cliField(field: string | undefined): string {
  const flag = { name: '--name', scopes: '--scopes', expiresAt: '--expires-at' }[field?.split('.')[0] ?? ''];
  return flag ? `${flag}: ` : '';
}

/** live, revoked or expired (at `now`, ms). */
function statusOf(token: AccessToken, now: number): string {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'live';
}
