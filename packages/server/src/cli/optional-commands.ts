/**
 * Commands that live with their feature (matching, import, …). Each module registers itself here so the
 * CLI assembly stays one list.
 */
import type { Command } from 'commander';
import { registerMatchCommand } from '../matching/match-command.ts';
import { registerImportCommand } from '../import/import-command.ts';

/** Registers the feature commands. */
export async function registerOptionalCommands(program: Command): Promise<void> {
  registerMatchCommand(program);
  registerImportCommand(program);
}
