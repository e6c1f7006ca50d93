/**
 * `kin analytics funnel|paths|attribution --body JSON`: one analytics question (the body of
 * `POST /v1/analytics/<kind>`) answered in this process from the store, printed as the route's JSON.
 *
 * Why a command: a scheduled report or a notebook can ask a heavy question of a SQLite file without going through
 * the server that writes it. The file is opened read-only (a WAL reader): it never takes the write lock, so the
 * server's ingest goes on beside it, and it reads each slice of a scan in its own short read, so it never holds old
 * WAL frames for the whole question (analytics-second-process.e2e.test.ts runs it against a serving Kin).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { answerAnalytics } from '../analytics/analytics-answer.ts';
import { processConfig } from '../config.ts';
import { ApiError } from '../http/error-catalog.ts';
import { systemClock } from '../ports/clock.ts';
import { openReadStore } from '../storage/store-open.ts';
import { checkDatabasePath } from './cli-store.ts';
import { CliError } from './kin-cli.ts';

const KINDS = ['funnel', 'paths', 'attribution'] as const;

/** Registers `kin analytics`. */
export function registerAnalyticsCommand(program: Command): void {
  program
    .command('analytics')
    .description('answer one analytics question (funnel, paths or attribution) from the store, read-only: safe beside a running kin serve')
    .argument('<kind>', 'funnel, paths or attribution')
    .requiredOption('--body <json|@file>', 'the question, as the body of POST /v1/analytics/<kind> (JSON, or @file)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .action(async (kind: string, flags: { body: string; db?: string }) => {
      if (!(KINDS as readonly string[]).includes(kind)) throw new CliError(`the question is funnel, paths or attribution, not ${kind}`, 2);
      const config = processConfig({ db: flags.db });
      checkDatabasePath(config.db, false);
      const body = questionBody(flags.body);
      const store = await openReadStore(config.db);
      try {
        const answer = await answerAnalytics(
          { store, clock: systemClock, timeoutMs: config.analytics.timeoutMs },
          { kind: kind as (typeof KINDS)[number], body },
        );
        process.stdout.write(answer + '\n');
      } catch (error) {
        if (error instanceof ApiError) throw new CliError(`${error.code}${error.field ? ` (${error.field})` : ''}: ${error.message}`, 2);
        throw error;
      } finally {
        await store.close();
      }
    });
}

function questionBody(text: string): unknown {
  let raw = text;
  if (text.startsWith('@')) {
    try {
      raw = readFileSync(text.slice(1), 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${text.slice(1)}: ${error instanceof Error ? error.message : String(error)}`, 2);
    }
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new CliError('--body must be JSON (or @file holding JSON)', 2);
  }
}
