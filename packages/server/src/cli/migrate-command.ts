/** `kin migrate`: applies the schema migrations of either store (they also run at every start). */
import type { Command } from 'commander';
import { processConfig } from '../config.ts';
import { isPostgresUrl } from '../storage/store-open.ts';
import { checkDatabasePath, openCliStore } from './cli-store.ts';

/** Registers `kin migrate`. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the schema (SQLite file or PostgreSQL), then exit; safe to run from many processes at once')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB, default ./.kin/kin.db)')
    .action(async (flags: { db?: string }) => {
      const config = processConfig({ db: flags.db });
      const created = checkDatabasePath(config.db, true);
      // Opening migrates: each pending migration runs once, in its own transaction, under the migration lock.
      const store = await openCliStore(config.db, config.privacySecret);
      await store.close();
      if (created) process.stdout.write(`created a new database at ${config.db}\n`);
      process.stdout.write(`schema is up to date (${isPostgresUrl(config.db) ? 'postgres' : 'sqlite'})\n`);
    });
}
