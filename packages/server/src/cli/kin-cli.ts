/** The `kin` command line. Each command lives in its own module; this file only assembles them. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { StartupError } from '../ops/startup-error.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerSourcesCommand } from './sources-command.ts';
import { registerProfileCommand } from './profile-command.ts';
import { registerIdentityCommands } from './identity-commands.ts';
import { registerSeparationCommands } from './separation-commands.ts';
import { registerOptionalCommands } from './optional-commands.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerCollectCommand } from './collect-command.ts';
import { registerWorkerCommand } from './worker-command.ts';
import { registerPrivacyCommand } from './privacy-command.ts';
import { registerAuditCommand } from './audit-command.ts';
import { registerTokensCommand } from './tokens-command.ts';
import { registerAnalyticsCommand } from './analytics-command.ts';

/** Builds the program (exported for tests). */
export async function buildProgram(): Promise<Command> {
  const program = new Command('kin')
    .description('Kin: collect events, resolve identities, see each customer')
    .version('0.1.0')
    .exitOverride();
  registerServeCommand(program);
  registerSourcesCommand(program);
  registerProfileCommand(program);
  registerIdentityCommands(program);
  registerSeparationCommands(program);
  registerDemoCommand(program);
  registerMigrateCommand(program);
  registerCollectCommand(program);
  registerWorkerCommand(program);
  registerPrivacyCommand(program);
  registerAuditCommand(program);
  registerTokensCommand(program);
  registerAnalyticsCommand(program);
  await registerOptionalCommands(program);
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      process.stderr.write(`kin: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StartupError) {
      process.stderr.write(`kin: ${error.message}\n`);
      return 1;
    }
    if (error instanceof CliError) {
      process.stderr.write(`kin: ${error.message}\n`);
      return error.exitCode;
    }
    // Anything else still gets one line, never a stack: a file error names the path and what is wrong.
    process.stderr.write(`kin: ${describeFailure(error)}\n`);
    return 1;
  }
}

/** One line for an unexpected failure. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, path } = error as NodeJS.ErrnoException;
  if (path !== undefined) {
    if (code === 'ENOENT') return `no such file: ${path}`;
    if (code === 'EISDIR') return `${path} is a directory, not a file`;
    if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${path}`;
    if (code === 'ENOTDIR') return `a part of ${path} is not a directory`;
  }
  return error.message.split('\n')[0] ?? error.name;
}

/** An expected CLI failure: printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
