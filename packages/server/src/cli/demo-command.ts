/** `kin demo`: Kin with the dashboard and a realistic multi-channel demo shop, on a fresh database. */
import type { Command } from 'commander';
import { demoHints } from '../demo/demo-hints.ts';
import { runDemo } from '../demo/demo-run.ts';
import { CliError } from './kin-cli.ts';

/** Registers `kin demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start Kin with the dashboard and a synthetic multi-channel shop (fresh database, deleted first)')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'address to bind', '0.0.0.0')
    .option('--db <path>', 'demo SQLite file (deleted first)', './.kin/demo.db')
    .option('--shoppers <n>', 'number of shoppers', '5000')
    .option('--seed <n>', 'generator seed', '7')
    .option('--no-live', 'do not send live events after the initial load')
    .action(async (flags: { port: string; host: string; db: string; shoppers: string; seed: string; live: boolean }) => {
      const port = Number(flags.port);
      const shoppers = Number(flags.shoppers);
      const seed = Number(flags.seed);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be a port number', 2);
      if (!Number.isInteger(shoppers) || shoppers < 2 || shoppers > 1_000_000)
        throw new CliError('--shoppers must be an integer from 2 to 1000000', 2);
      if (!Number.isInteger(seed)) throw new CliError('--seed must be an integer', 2);
      if (/^postgres(ql)?:\/\//.test(flags.db)) throw new CliError('kin demo deletes its database first; give it a SQLite file', 2);
      const out = process.stdout;
      const started = Date.now();
      const demo = await runDemo({
        port,
        host: flags.host,
        db: flags.db,
        seed,
        shoppers,
        liveEveryMs: flags.live ? 2000 : 0,
        progress: (line) => out.write(`${line}\n`),
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      out.write(`Loaded ${demo.accepted.toLocaleString('en-US')} events (${demo.rejected} rejected on purpose) in ${seconds} s.\n\n`);
      out.write(`  Dashboard:    ${demo.kin.url}/\n`);
      out.write(`  Database:     ${flags.db} (created fresh)\n`);
      out.write(`  Admin token:  ${demo.adminToken}\n`);
      out.write(`  Credentials:  ${demo.credentialsFile} (admin token and write keys)\n`);
      out.write(
        `  Write keys:   ${Object.entries(demo.writeKeys)
          .map(([name, key]) => `${name}=${key}`)
          .join('  ')}\n\n`,
      );
      const hints = (await demoHints(demo.kin.store)).map((hint) => `"${hint}"`);
      out.write(
        `Try searching for ${hints.length > 0 ? hints.join(', ') : 'a name or an email'}, or look at the Warnings page. Ctrl-C stops.\n`,
      );
      await new Promise<void>((done) => {
        const stop = () => {
          out.write('Kin demo is stopping…\n');
          demo.stop().then(done, done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
