/** `kin import FILE --source NAME`: bulk import of CRM and social records (see README "Import and matching"). */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { CliError } from '../cli/kin-cli.ts';
import { withCliStore } from '../cli/cli-store.ts';
import { processConfig } from '../config.ts';
import { loadPolicy, resolveDepsFor } from '../identity/policy-load.ts';
import { readCheckpoint } from './import-checkpoint.ts';
import { loadImportMapping } from './import-columns.ts';
import { ImportFileError, formatOfFile, importFile, type ImportFileSummary } from './import-file.ts';
import { createImportProgress } from './import-progress.ts';
import { isDelimiter } from './import-reader.ts';
import { summaryCounts } from './import-run.ts';
import { SOURCE_NAME } from './import-source.ts';

interface ImportFlags {
  source: string;
  format?: string;
  map?: string;
  db?: string;
  rejects?: string;
  delimiter?: string;
  resume: boolean;
  chunkSize?: string;
  policy?: string;
}

/** `\t`, `tab`, or one character. */
export function parseDelimiter(raw: string): string {
  if (raw === '\\t' || raw.toLowerCase() === 'tab') return '\t';
  if (!isDelimiter(raw)) throw new CliError(`--delimiter takes one ASCII character other than a quote (or "tab"), got "${raw}"`, 2);
  return raw;
}

/** Registers `kin import`. */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a CSV or JSON-lines file of people (CRM, social…) as identify events of a source')
    .argument('<file>', 'CSV (RFC 4180) or JSON lines (.jsonl / .ndjson)')
    .requiredOption('--source <name>', 'source the records come from (created when missing)')
    .option('--format <format>', 'csv or jsonl (default: by extension)')
    .option('--map <file>', 'JSON object mapping column -> role (first_name, email, record_id, trait, ignore, …)')
    .option('--delimiter <char>', 'CSV delimiter (default: sniffed among , ; tab |)')
    .option('--rejects <file>', 'write rejected rows (row,line,reason) to this CSV file')
    .option('--resume', 'continue after the checkpoint of an interrupted run (<file>.kin-import.json)', false)
    .option('--chunk-size <rows>', 'rows per transaction (default 1000)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .action(async (file: string, flags: ImportFlags) => {
      if (!SOURCE_NAME.test(flags.source)) throw new CliError('a source name is 1-64 letters, digits, dots, dashes or underscores', 2);
      const format = flags.format ?? formatOfFile(file);
      if (format !== 'csv' && format !== 'jsonl') throw new CliError(`--format is csv or jsonl, got "${format}"`, 2);
      const chunkSize = flags.chunkSize === undefined ? undefined : Number(flags.chunkSize);
      if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize >= 1 && chunkSize <= 100_000)) {
        throw new CliError('--chunk-size is an integer from 1 to 100000', 2);
      }
      const mapping =
        flags.map === undefined
          ? undefined
          : await loadImportMapping(flags.map).catch((e: unknown) => {
              throw new CliError(e instanceof Error ? e.message : String(e), 2);
            });
      // The file is checked before the store is opened: a missing file or a directory is one line, exit 1.
      const info = await stat(file).catch(() => undefined);
      if (info === undefined) throw new CliError(`no such file: ${file}`, 1);
      if (info.isDirectory()) throw new CliError(`${file} is a directory, not a file`, 1);
      if (flags.resume && (await readCheckpoint(file).catch(() => undefined)) === undefined) {
        throw new CliError(`cannot resume: no checkpoint for ${file} (run without --resume to import it from the start)`, 1);
      }
      const config = processConfig({ db: flags.db });
      const policy = loadPolicy(flags.policy ?? config.policyFile);
      const abort = new AbortController();
      const interrupt = (): void => abort.abort();
      process.once('SIGINT', interrupt);
      const started = performance.now();
      let progress: ReturnType<typeof createImportProgress> | undefined;
      try {
        const summary = await withCliStore(
          flags.db,
          async (store) => {
            const size = await stat(file).then(
              (s) => s.size,
              () => undefined,
            );
            const resumed = flags.resume ? await readCheckpoint(file).catch(() => undefined) : undefined;
            progress = createImportProgress({
              out: process.stderr,
              ...(size !== undefined ? { totalBytes: size } : {}),
              ...(resumed ? { startRows: resumed.position.rows, startBytes: resumed.position.bytes } : {}),
            });
            return importFile({
              file,
              source: flags.source,
              store,
              ...resolveDepsFor(policy, store),
              format,
              resume: flags.resume,
              maxRecordBytes: config.imports.maxRecordBytes,
              signal: abort.signal,
              onProgress: (rows, bytes) => progress?.update(rows, bytes),
              ...(mapping ? { mapping } : {}),
              ...(flags.delimiter !== undefined ? { delimiter: parseDelimiter(flags.delimiter) } : {}),
              ...(flags.rejects !== undefined ? { rejectsFile: flags.rejects } : {}),
              ...(chunkSize !== undefined ? { chunkSize } : {}),
            });
          },
          { create: true },
        );
        progress?.finish();
        const seconds = (performance.now() - started) / 1000;
        const done = summary.rows - summary.skipped;
        const out = process.stdout;
        out.write(
          `${summary.stopped ? 'interrupted' : 'imported'} ${file} as source ${flags.source}: ${summary.rows} rows, ${summary.imported} imported, ` +
            `${summary.duplicates} duplicates, ${summary.rejected} rejected` +
            `${summary.skipped > 0 ? ` (${summary.skipped} skipped: committed by an earlier run)` : ''}; ${Math.round(done / Math.max(seconds, 0.001))} rows/s\n`,
        );
        for (const line of detailLines(summary)) out.write(`  ${line}\n`);
        if (summary.stopped) out.write(`resume with: kin import ${file} --source ${flags.source} --resume\n`);
        out.write(
          JSON.stringify({
            ...summaryCounts(summary),
            ignoredColumns: summary.ignoredColumns,
            skipped: summary.skipped,
            stopped: summary.stopped,
            seconds,
          }) + '\n',
        );
        if (summary.stopped) throw new CliError('import interrupted; the checkpoint is saved', 130);
      } catch (error) {
        if (error instanceof ImportFileError) throw new CliError(error.message, 1);
        throw error;
      } finally {
        process.off('SIGINT', interrupt);
      }
    });
}

/** The summary's detail lines: columns not imported, values left out, identifiers refused, rejects by code. */
function detailLines(summary: ImportFileSummary): string[] {
  const list = (byCode: Partial<Record<string, number>>): string =>
    Object.entries(byCode)
      .map(([code, n]) => `${n} ${code}`)
      .join(', ');
  const lines: string[] = [];
  if (summary.ignoredColumns.length > 0)
    lines.push(`ignored columns (no role; give them one with --map): ${summary.ignoredColumns.join(', ')}`);
  if (summary.invalidValues > 0) lines.push(`invalid values left out: ${summary.invalidValues} (${list(summary.invalidByCode)})`);
  if (summary.refusedIdentifiers > 0)
    lines.push(`identifiers refused by the identity policy: ${summary.refusedIdentifiers} (GET /v1/warnings lists them)`);
  if (summary.rejected > 0) lines.push(`rejected rows: ${summary.rejected} (${list(summary.rejectedByCode)})`);
  for (const r of summary.rejects.filter((x) => x.column === undefined).slice(0, 3))
    lines.push(`  row ${r.row} (line ${r.line}): ${r.code}: ${r.reason}`);
  if (summary.rejected + summary.invalidValues > 0) lines.push('each reject, with row, line and column: --rejects FILE');
  return lines;
}
