/**
 * `kin undo MERGE_ID`, `kin split REF --ids …` and `kin review`: what the admin API's undo, split and
 * review routes do, from the command line, on the same store functions.
 */
import type { Command } from 'commander';
import type { Identifier } from '@kin/core';
import { resolveProfileRef } from '../http/profile-routes.ts';
import type { SeparationResult } from '../identity/identity-undo.ts';
import { splitProfile, undoMerge } from '../identity/identity-undo.ts';
import { processConfig } from '../config.ts';
import { loadPolicy, normalizerFor } from '../identity/policy-load.ts';
import { decideReview } from '../matching/review-decide.ts';
import { systemClock } from '../ports/clock.ts';
import type { ReviewStatus } from '../storage/matching-store.ts';
import { withCliStore } from './cli-store.ts';
import { CliError } from './kin-cli.ts';

const DB = ['--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)'] as const;
const POLICY = ['--policy <file>', 'identity policy JSON file (KIN_POLICY)'] as const;

/** Registers `kin undo`, `kin split` and `kin review`. */
export function registerSeparationCommands(program: Command): void {
  program
    .command('undo')
    .description('undo one merge of the ledger (see `kin explain`): the two sides become two profiles again and stay apart')
    .argument('<merge-id>', 'merge ledger id')
    .option(...DB)
    .option(...POLICY)
    .action(async (mergeId: string, flags: { db?: string; policy?: string }) => {
      const policy = policyOf(flags.policy);
      const result = await withCliStore(flags.db, (store) =>
        undoMerge(store, mergeId, { policy, normalize: normalizerFor(policy) }, systemClock.now().toISOString()),
      );
      process.stdout.write(describeSeparation(result, `undid merge ${mergeId}`));
    });

  program
    .command('split')
    .description('split identifiers (with their events and the traits those set) out of a profile into a profile of their own')
    .argument('<ref>', 'profile id or type:value')
    .requiredOption('--ids <list>', 'comma-separated type:value identifiers to move out')
    .option(...DB)
    .option(...POLICY)
    .action(async (ref: string, flags: { ids: string; db?: string; policy?: string }) => {
      const policy = policyOf(flags.policy);
      const normalize = normalizerFor(policy);
      const identifiers = flags.ids.split(',').map((raw) => identifierOf(raw.trim(), normalize));
      const result = await withCliStore(flags.db, async (store) => {
        const id = await resolveProfileRef({ store, normalize }, ref);
        if (id === undefined) throw new CliError(`no profile matches ${ref}`, 3);
        return splitProfile(store, id, identifiers, { policy, normalize }, systemClock.now().toISOString());
      });
      process.stdout.write(describeSeparation(result, `split ${identifiers.length} identifier(s) out of ${ref}`));
    });

  const review = program.command('review').description('pairs that probabilistic matching queued for a person to decide');
  review
    .command('list', { isDefault: true })
    .description('list review items (default: open ones)')
    .option('--status <status>', 'open, accepted or rejected', 'open')
    .option('--limit <n>', 'items to show', '50')
    .option(...DB)
    .action(async (flags: { status: string; limit: string; db?: string }) => {
      if (!['open', 'accepted', 'rejected'].includes(flags.status)) throw new CliError('--status is open, accepted or rejected', 2);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError('--limit is a whole number from 1 to 500', 2);
      const page = await withCliStore(flags.db, (store) => store.matching.listReviewItems({ status: flags.status as ReviewStatus, limit }));
      process.stdout.write('ID\tPROBABILITY\tPROFILE A\tPROFILE B\tREASON\tSTATUS\n');
      for (const item of page.data) {
        process.stdout.write(
          `${item.id}\t${item.probability.toFixed(3)}\t${item.aProfile}\t${item.bProfile}\t${item.reason}\t${item.status}\n`,
        );
      }
      if (page.cursor.hasMore) process.stdout.write(`(more: raise --limit)\n`);
    });
  for (const decision of ['accept', 'reject'] as const) {
    review
      .command(decision)
      .description(decision === 'accept' ? 'merge the pair of a review item' : 'keep the pair of a review item apart (a do-not-link rule)')
      .argument('<id>', 'review item id (from `kin review list`)')
      .option(...DB)
      .option(...POLICY)
      .action(async (id: string, flags: { db?: string; policy?: string }) => {
        const policy = policyOf(flags.policy);
        const outcome = await withCliStore(flags.db, (store) => decideReview({ store, policy, clock: systemClock, id, decision }));
        switch (outcome.kind) {
          case 'not_found':
            throw new CliError(`no review item has the id ${id}`, 3);
          case 'already_decided':
            throw new CliError(`review item ${id} was ${outcome.item.status} already`);
          case 'refused':
            throw new CliError(`the identity policy refuses this merge: ${outcome.reason}`);
          case 'decided':
            process.stdout.write(
              `${outcome.item.status} ${id}${outcome.profileId !== undefined ? `: profile ${outcome.profileId}` : ''}\n`,
            );
        }
      });
  }
}

/** The identity policy of `--policy` or KIN_POLICY (read through the configuration). */
function policyOf(flag: string | undefined) {
  return loadPolicy(processConfig({ policyFile: flag }).policyFile);
}

/** Parses `type:value` with the policy's normaliser, or fails naming the bad identifier. */
function identifierOf(text: string, normalize: (type: string, raw: unknown) => string | undefined): Identifier {
  const colon = text.indexOf(':');
  const type = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : '';
  const value = type ? normalize(type, text.slice(colon + 1)) : undefined;
  if (!type || value === undefined)
    throw new CliError(`"${text}" is not an identifier: give type:value with a value valid for its type`, 2);
  return { type, value };
}

/** The readable outcome of an undo or split; a refusal is a CliError. */
function describeSeparation(result: SeparationResult, what: string): string {
  if (!result.ok) throw new CliError(result.message, result.code === 'not_found' ? 3 : result.code === 'invalid' ? 2 : 1);
  return `${what}: profiles ${result.profileIds.join(', ')}; do-not-link rule ${result.ruleId}; ledger entry ${result.ledgerId}; ${result.events} events replayed\n`;
}
