/** `kin sources create|list|revoke`: write keys per source. */
import type { Command } from 'commander';
import { systemClock } from '../ports/clock.ts';
import { createSourceWithKey } from '../sources/source-keys.ts';
import { withCliStore } from './cli-store.ts';
import { CliError } from './kin-cli.ts';

/** Registers `kin sources`. */
export function registerSourcesCommand(program: Command): void {
  const sources = program.command('sources').description('manage sources and their write keys');
  sources
    .command('create')
    .description('create a source and print its new write key (shown once)')
    .argument('<name>', 'source name, e.g. web, ios, email')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .action(async (name: string, flags: { db?: string }) => {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new CliError('a source name is 1-64 letters, digits, dots, dashes or underscores');
      const created = await withCliStore(flags.db, (store) => createSourceWithKey(store, name, systemClock.now()));
      if (!created) throw new CliError(`a source named ${name} exists already`);
      process.stdout.write(`${created.writeKey}\n`);
    });
  sources
    .command('list')
    .description('list sources')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .action(async (flags: { db?: string }) => {
      const list = await withCliStore(flags.db, (store) => store.listSources());
      process.stdout.write('NAME\tID\tCREATED\tREVOKED\n');
      for (const s of list) process.stdout.write(`${s.name}\t${s.id}\t${s.createdAt}\t${s.revokedAt ?? '-'}\n`);
    });
  sources
    .command('revoke')
    .description('revoke a source: its write key stops working')
    .argument('<name>', 'source name')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .action(async (name: string, flags: { db?: string }) => {
      const revoked = await withCliStore(flags.db, (store) => store.revokeSource(name, systemClock.now().toISOString()));
      if (!revoked) throw new CliError(`no active source named ${name}`);
      process.stdout.write(`revoked ${name}\n`);
    });
}
