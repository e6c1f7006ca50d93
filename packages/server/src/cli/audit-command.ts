/** `kin audit verify`: walks the audit log's hash chain; prints ok, or names the first broken entry and exits 1. */
import type { Command } from 'commander';
import { verifyAuditChain } from '../access/audit-chain.ts';
import { withCliStore } from './cli-store.ts';
import { CliError } from './kin-cli.ts';

/** Registers `kin audit`. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the audit log of admin writes and exports');
  audit
    .command('verify')
    .description('check the hash chain of the audit log: prints ok, or the first broken seq (exit 1)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .action(async (flags: { db?: string }) => {
      const verdict = await withCliStore(flags.db, (store) => verifyAuditChain(store.audit));
      if (!verdict.ok) throw new CliError(`audit log broken at seq ${verdict.seq}: ${verdict.reason}`, 1);
      process.stdout.write(`ok: ${verdict.entries} entries, chain intact\n`);
    });
}
