/** `kin collect`: a stateless collector (the tracking and admin API) that publishes events to JetStream. */
import type { Command } from 'commander';
import { processConfig } from '../config.ts';
import { startKin } from '../main.ts';
import { CliError } from './kin-cli.ts';
import { untilStopped } from './shutdown-signals.ts';

/** Registers `kin collect`. */
export function registerCollectCommand(program: Command): void {
  program
    .command('collect')
    .description(
      'run a collector: validate events, publish them to NATS JetStream, answer after JetStream acknowledges (no resolution here)',
    )
    .option('--port <port>', 'port to listen on (PORT, default 8080)')
    .option('--host <host>', 'address to bind (KIN_HOST, default 0.0.0.0)')
    .option('--db <url>', 'postgres:// URL: sources, write keys, warnings and the admin API (KIN_DB)')
    .option('--pipeline <url>', 'nats:// URL of JetStream (KIN_PIPELINE, required)')
    .action(async (flags: { port?: string; host?: string; db?: string; pipeline?: string }) => {
      const config = processConfig({ port: flags.port, host: flags.host, db: flags.db, pipeline: flags.pipeline });
      if (!config.pipeline) throw new CliError('kin collect needs --pipeline nats://… (or KIN_PIPELINE)', 2);
      const kin = await startKin({ config, role: 'collector' });
      process.stdout.write(`Kin collector is running on ${kin.url} (store: ${kin.storeKind}, stream: ${config.nats.stream})\n`);
      await untilStopped(
        () => kin.close(),
        (line) => process.stdout.write(line),
      );
    });
}
