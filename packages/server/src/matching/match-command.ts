/**
 * `kin match eval`: the evaluation harness as a CLI command (commander 14). The lead wires
 * `registerMatchCommand` into the `kin` program.
 */
import type { Command } from 'commander';
import { evaluateFiles, formatReport } from './match-evaluate.ts';

function probability(value: string): number {
  const p = Number(value);
  if (!(p > 0 && p < 1)) throw new Error(`expected a probability between 0 and 1, got "${value}"`);
  return p;
}

/** Adds `kin match eval [--truth-column NAME] [--ignore-columns a,b] [--map mapping.json] [--link] FILE…`. */
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
}
