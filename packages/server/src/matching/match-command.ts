/**
 * `kin match eval`: the evaluation harness as a CLI command (commander 14). The lead wires
 * `registerMatchCommand` into the `kin` program.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadCliPolicy, withCliStore } from '../cli/cli-store.ts';
import { requireFile } from '../cli/cli-files.ts';
import { CliError } from '../cli/kin-cli.ts';
import { systemClock } from '../ports/clock.ts';
import { evaluateFiles, formatReport } from './match-evaluate.ts';
import { runMatch } from './match-run.ts';

function probability(value: string): number {
  const p = Number(value);
  if (!(p > 0 && p < 1)) throw new InvalidArgumentError(`expected a probability between 0 and 1 (exclusive), got "${value}"`);
  return p;
}

/** Adds `kin match eval …` and `kin match run [--source NAME] [--db PATH] [--link-threshold P] [--review-threshold P]`. */
export function registerMatchCommand(program: Command): void {
  const match = program.command('match').description('link customer records without shared keys');
  match
    .command('eval')
    .description('match CSV files and score the result against their truth column (last line: JSON)')
    .argument('<files...>', 'CSV files: one to deduplicate, several with --link to link across them')
    .option('--truth-column <name>', 'truth column (default: cluster, ent_id, True Id, or FEBRL rec_id)')
    .option('--ignore-columns <list>', 'comma-separated columns to drop before matching', '')
    .option('--map <file>', 'JSON object mapping column -> role, overriding detection')
    .option('--link', 'link records across files instead of deduplicating their union', false)
    .option('--link-threshold <p>', 'match probability at which pairs are linked', probability)
    .option('--review-threshold <p>', 'match probability at which pairs are queued for review', probability)
    .action(async (files: string[], opts: { truthColumn?: string; ignoreColumns: string; map?: string; link: boolean; linkThreshold?: number; reviewThreshold?: number }) => {
      if (opts.link && files.length < 2) throw new CliError('--link links records across files: give two or more', 2);
      for (const file of files) requireFile(file, 'CSV file');
      if (opts.map !== undefined) requireFile(opts.map, 'mapping file');
      const report = await evaluateFiles({
        files,
        ignoreColumns: opts.ignoreColumns.split(',').map((c) => c.trim()).filter((c) => c.length > 0),
        link: opts.link,
        ...(opts.truthColumn !== undefined ? { truthColumn: opts.truthColumn } : {}),
        ...(opts.map !== undefined ? { mapping: opts.map } : {}),
        engine: {
          ...(opts.linkThreshold !== undefined ? { linkThreshold: opts.linkThreshold } : {}),
          ...(opts.reviewThreshold !== undefined ? { reviewThreshold: opts.reviewThreshold } : {}),
        },
      });
      process.stdout.write(`${formatReport(report).join('\n')}\n`);
    });
  match
    .command('run')
    .description('match live profiles by their person traits: merge likely pairs (ledger rule "match"), queue doubtful ones for review')
    .option('--source <name>', 'only pairs with a profile whose traits come mostly from this source')
    .option('--link-threshold <p>', 'match probability at which profiles are merged (default 0.95)', probability)
    .option('--review-threshold <p>', 'match probability at which pairs are queued for review (default 0.5)', probability)
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .action(async (opts: { source?: string; linkThreshold?: number; reviewThreshold?: number; db?: string; policy?: string }) => {
      const policy = loadCliPolicy(opts.policy);
      const summary = await withCliStore(opts.db, (store) =>
        runMatch({
          store,
          policy,
          clock: systemClock,
          ...(opts.source !== undefined ? { source: opts.source } : {}),
          ...(opts.linkThreshold !== undefined ? { linkThreshold: opts.linkThreshold } : {}),
          ...(opts.reviewThreshold !== undefined ? { reviewThreshold: opts.reviewThreshold } : {}),
        }),
      );
      process.stdout.write(
        `matched ${summary.profiles} profiles (${summary.candidatePairs} candidate pairs): ${summary.merges} merges, ` +
          `${summary.queued} queued for review (${summary.refused} refused by the identity policy), ${summary.skippedRejected} rejected pairs skipped\n`,
      );
      process.stdout.write(JSON.stringify(summary) + '\n');
    });
}
