/** `kin serve`: the whole of Kin in one process. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { processConfig } from '../config.ts';
import { credentialsPath } from '../sources/credentials.ts';
import { checkDatabasePath } from './cli-store.ts';
import { startKin } from '../main.ts';
import { mountWebAssets } from '../http/web-assets.ts';

/** Registers `kin serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start Kin (HTTP API, pipeline and dashboard) on one port')
    .option('--port <port>', 'port to listen on (PORT, default 8080)')
    .option('--host <host>', 'address to bind (KIN_HOST, default 0.0.0.0)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB, default ./.kin/kin.db)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .option('--pipeline <url>', 'nats:// URL: run a collector and a worker over JetStream (KIN_PIPELINE)')
    .action(async (flags: { port?: string; host?: string; db?: string; policy?: string; pipeline?: string }) => {
      const config = processConfig({
        port: flags.port,
        host: flags.host,
        db: flags.db,
        policyFile: flags.policy,
        pipeline: flags.pipeline,
      });
      const creates = checkDatabasePath(config.db, true);
      const kin = await startKin({ config, extra: mountWebAssets });
      const out = process.stdout;
      if (creates) out.write(`Created a new database at ${config.db}\n`);
      out.write(`Kin is running on ${kin.url} (store: ${kin.storeKind})\n`);
      out.write(`Dashboard: ${kin.url}/\n`);
      if (!kin.firstStart && !config.adminToken && existsSync(credentialsPath(config.db))) {
        out.write(`Credentials (admin token, first write key): ${credentialsPath(config.db)}\n`);
      }
      if (kin.firstStart) {
        out.write(`\nFirst start: these credentials are shown once and stored in ${kin.firstStart.file} (mode 0600).\n`);
        if (kin.firstStart.adminToken) out.write(`  admin token:  ${kin.firstStart.adminToken}\n`);
        if (kin.firstStart.writeKey)
          out.write(`  write key (source "${kin.firstStart.writeKey.source}"): ${kin.firstStart.writeKey.key}\n`);
        out.write('\n');
      }
      await new Promise<void>((done) => {
        const stop = () => {
          out.write('Kin is stopping: draining in-flight work…\n');
          kin.close().then(done, done);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
