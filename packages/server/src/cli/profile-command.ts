/** `kin profile REF`: one profile as JSON. */
import type { Command } from 'commander';
import { normalizerFor } from '../identity/policy-load.ts';
import { resolveProfileRef } from '../http/profile-routes.ts';
import { loadCliPolicy, withCliStore } from './cli-store.ts';
import { CliError } from './kin-cli.ts';

/** Registers `kin profile`. */
export function registerProfileCommand(program: Command): void {
  program
    .command('profile')
    .description('print one profile as JSON; REF is a profile id or type:value (e.g. email:ann@example.com)')
    .argument('<ref>', 'profile id or type:value')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .action(async (ref: string, flags: { db?: string; policy?: string }) => {
      const normalize = normalizerFor(loadCliPolicy(flags.policy));
      const profile = await withCliStore(flags.db, async (store) => {
        const id = await resolveProfileRef({ store, normalize }, ref);
        return id ? store.findProfile(id) : undefined;
      });
      if (!profile) throw new CliError(`no profile matches ${ref}`, 3);
      process.stdout.write(JSON.stringify(profile, null, 2) + '\n');
    });
}
