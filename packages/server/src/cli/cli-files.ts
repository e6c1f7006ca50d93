/** Checks of file arguments, so a mistyped path or a directory fails with one line naming it. */
import { statSync } from 'node:fs';
import { CliError } from './kin-cli.ts';

/** Throws a CliError (exit 2) unless `path` is an existing regular file. */
export function requireFile(path: string, what = 'file'): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) throw new CliError(`no such ${what}: ${path}`, 2);
  if (stat.isDirectory()) throw new CliError(`${path} is a directory; expected a ${what}`, 2);
}
