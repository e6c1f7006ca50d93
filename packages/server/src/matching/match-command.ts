/**
 * `kin match eval | generate | run | status`: the evaluation harness, the store run and the incremental matcher's status (commander 14). The lead wires
 * `registerMatchCommand` into the `kin` program.
 */
import { generateCustomers } from '@kin/core/matching/index.ts';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadCliPolicy, withCliStore } from '../cli/cli-store.ts';
import { requireFile } from '../cli/cli-files.ts';
import { CliError } from '../cli/kin-cli.ts';
import { systemClock } from '../ports/clock.ts';
import { csvCell } from './csv-table.ts';
import { evaluateFiles, evaluationKey, formatReport, MappingError } from './match-evaluate.ts';
import { formatClusterChain } from './match-model-report.ts';
import { runMatch } from './match-run.ts';
import { formatMatchStatus, storedMatchState } from './match-status.ts';
import { createIdGenerator } from '../ports/ids.ts';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

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
    .option(
      '--explain <rows>',
      'comma-separated data rows (1 = first data row, counted across files): print the chain of evidence of their clusters',
    )
    .action(
      async (
        files: string[],
        opts: {
          truthColumn?: string;
          ignoreColumns: string;
          map?: string;
          link: boolean;
          linkThreshold?: number;
          reviewThreshold?: number;
          explain?: string;
        },
      ) => {
        if (opts.link && files.length < 2) throw new CliError('--link links records across files: give two or more', 2);
        for (const file of files) requireFile(file, 'CSV file');
        if (opts.map !== undefined) requireFile(opts.map, 'mapping file');
        const report = await evaluateFiles({
          files,
          ignoreColumns: opts.ignoreColumns
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c.length > 0),
          link: opts.link,
          ...(opts.truthColumn !== undefined ? { truthColumn: opts.truthColumn } : {}),
          ...(opts.map !== undefined ? { mapping: opts.map } : {}),
          engine: {
            ...(opts.linkThreshold !== undefined ? { linkThreshold: opts.linkThreshold } : {}),
            ...(opts.reviewThreshold !== undefined ? { reviewThreshold: opts.reviewThreshold } : {}),
          },
        }).catch((error: unknown) => {
          if (error instanceof MappingError) throw new CliError(error.message, 2);
          throw error;
        });
        const lines = formatReport(report);
        // Rows to explain go before the JSON line, which stays last for scripts.
        const rows = (opts.explain ?? '')
          .split(',')
          .map((r) => r.trim())
          .filter((r) => r !== '');
        const chains = rows.flatMap((row) => {
          const n = Number(row);
          if (!Number.isInteger(n) || n < 1 || n > report.records)
            throw new CliError(`--explain: row "${row}" is not between 1 and ${report.records}`, 2);
          return formatClusterChain(report.result, evaluationKey(n - 1), (key) => `row ${Number(key.slice(1)) + 1}`);
        });
        process.stdout.write(`${[...lines.slice(0, -1), ...chains, ...lines.slice(-1)].join('\n')}\n`);
      },
    );
  match
    .command('generate')
    .description('write a seeded, sparse, multi-source customer file with ground truth (columns source and cluster) to stdout')
    .option('--entities <n>', 'people and organisations (records are about 2.3 times as many)', positiveInteger, 70)
    .option('--seed <n>', 'seed: the same seed gives the same file', positiveInteger, 19)
    .action((opts: { entities: number; seed: number }) => {
      const set = generateCustomers({ entities: opts.entities, seed: opts.seed });
      const lines = [[...set.headers, 'source', 'cluster'].join(',')];
      set.rows.forEach((row, i) => lines.push([...row, set.source[i] ?? '', String(set.entity[i] ?? '')].map(csvCell).join(',')));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  match
    .command('run')
    .description('match live profiles by their person traits: merge likely pairs (ledger rule "match"), queue doubtful ones for review')
    .option('--source <name>', 'only pairs with a profile whose traits come mostly from this source')
    .option('--link-threshold <p>', 'match probability at which profiles are merged (default 0.95)', probability)
    .option('--review-threshold <p>', 'match probability at which pairs are queued for review (default 0.5)', probability)
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .option(
      '--explain-model',
      "print the model: each level's m, u and Bayes factor, from priors or data, and why nothing was linked",
      false,
    )
    .action(
      async (opts: {
        source?: string;
        linkThreshold?: number;
        reviewThreshold?: number;
        db?: string;
        policy?: string;
        explainModel: boolean;
      }) => {
        const policy = loadCliPolicy(opts.policy);
        const summary = await withCliStore(opts.db, (store) =>
          runMatch({
            store,
            policy,
            clock: systemClock,
            ids: createIdGenerator(),
            ...(opts.source !== undefined ? { source: opts.source } : {}),
            ...(opts.linkThreshold !== undefined ? { linkThreshold: opts.linkThreshold } : {}),
            ...(opts.reviewThreshold !== undefined ? { reviewThreshold: opts.reviewThreshold } : {}),
            explainModel: opts.explainModel,
          }),
        );
        process.stdout.write(
          `matched ${summary.profiles} profiles (${summary.candidatePairs} candidate pairs): ${summary.merges} merges, ` +
            `${summary.queued} queued for review (${summary.refused} refused by the identity policy), ${summary.skippedRejected} rejected pairs skipped\n`,
        );
        const { model, ...rest } = summary;
        if (model !== undefined) process.stdout.write(`${model.join('\n')}\n`);
        process.stdout.write(JSON.stringify(rest) + '\n');
      },
    );
  match
    .command('status')
    .description('incremental matching: on or off, profiles waiting, and what the followers did (matched, merged, sent to review, skipped)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .action(async (opts: { db?: string; policy?: string }) => {
      const policy = loadCliPolicy(opts.policy);
      const { totals, settings } = await withCliStore(opts.db, (store) => storedMatchState(store.matching, policy));
      process.stdout.write(`${formatMatchStatus(totals, settings).join('\n')}\n`);
    });
}
