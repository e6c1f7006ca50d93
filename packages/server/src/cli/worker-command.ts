/** `kin worker`: pulls events from JetStream, resolves identities and writes them to the store in batches. */
import type { Command } from 'commander';
import { processConfig } from '../config.ts';
import { startKinWorker } from '../pipeline/nats-worker-process.ts';
import { CliError } from './kin-cli.ts';
import { untilStopped } from './shutdown-signals.ts';

/** Registers `kin worker`. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run a worker: pull batches from the durable JetStream consumer, resolve, write one transaction per batch, ack after commit',
    )
    .option('--port <port>', 'port of /health, /ready and /metrics (PORT, default 8080)')
    .option('--host <host>', 'address to bind (KIN_HOST, default 0.0.0.0)')
    .option('--db <url>', 'postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .option('--pipeline <url>', 'nats:// URL of JetStream (KIN_PIPELINE, required)')
    .action(async (flags: { port?: string; host?: string; db?: string; policy?: string; pipeline?: string }) => {
      const config = processConfig({
        port: flags.port,
        host: flags.host,
        db: flags.db,
        policyFile: flags.policy,
        pipeline: flags.pipeline,
      });
      if (!config.pipeline) throw new CliError('kin worker needs --pipeline nats://… (or KIN_PIPELINE)', 2);
      const worker = await startKinWorker({ config });
      process.stdout.write(
        `Kin worker is running on ${worker.url} (store: ${worker.storeKind}, stream: ${config.nats.stream}, consumer: ${config.nats.consumer})\n`,
      );
      await untilStopped(
        () => worker.close(),
        (line) => process.stdout.write(line),
      );
    });
}
