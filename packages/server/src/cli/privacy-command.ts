/**
 * `kin privacy delete|suppress|unsuppress|suppress-with-delete|export <ref>`: a privacy request through the
 * running server's API (so its edge list changes at once), waiting until it completes. `export` prints the
 * export (JSON lines with `--ndjson`). The admin token is `--token`, KIN_ADMIN_TOKEN, or the credentials
 * file first start wrote beside the database.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { PrivacyRequest, PrivacyRequestType } from '@kin/core';
import { processConfig } from '../config.ts';
import { credentialsPath } from '../sources/credentials.ts';
import { CliError } from './kin-cli.ts';

const TYPES: Record<string, PrivacyRequestType> = {
  delete: 'delete',
  suppress: 'suppress',
  unsuppress: 'unsuppress',
  'suppress-with-delete': 'suppress_with_delete',
  export: 'export',
};

interface PrivacyFlags {
  url?: string;
  token?: string;
  db?: string;
  reason?: string;
  ndjson?: boolean;
}

function adminToken(flags: PrivacyFlags): string {
  const config = processConfig({ db: flags.db });
  const token = flags.token ?? config.adminToken;
  if (token) return token;
  const file = credentialsPath(config.db);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { adminToken: string }).adminToken;
  throw new CliError('no admin token: pass --token, set KIN_ADMIN_TOKEN, or run beside the database whose credentials.json holds it');
}

async function run(type: PrivacyRequestType, ref: string, flags: PrivacyFlags): Promise<void> {
  const base = (flags.url ?? `http://127.0.0.1:${processConfig({}).port}`).replace(/\/$/, '');
  const headers = { authorization: `Bearer ${adminToken(flags)}`, 'content-type': 'application/json' };
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(base + path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } }).catch(() => {
      throw new CliError(`cannot reach Kin at ${base} (is it running? pass --url)`);
    });
    if (!res.ok)
      throw new CliError(
        `${res.status}: ${((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message ?? res.statusText}`,
      );
    return res;
  };
  const body = JSON.stringify({ type, subject: { ref }, ...(flags.reason ? { reason: flags.reason } : {}) });
  let request = (await (await call('/v1/privacy/requests', { method: 'POST', body })).json()) as PrivacyRequest;
  while (request.status === 'pending' || request.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 100));
    request = (await (await call(`/v1/privacy/requests/${request.id}`)).json()) as PrivacyRequest;
  }
  if (request.status !== 'completed') throw new CliError(`request ${request.id} ${request.status}: ${request.store.error ?? ''}`);
  if (type === 'export') {
    const res = await call(
      `/v1/privacy/requests/${request.id}/export`,
      flags.ndjson ? { headers: { accept: 'application/x-ndjson' } } : {},
    );
    process.stdout.write(flags.ndjson ? await res.text() : JSON.stringify(await res.json(), null, 2) + '\n');
    return;
  }
  process.stdout.write(`${request.id}\t${type}\t${request.status}\t${JSON.stringify(request.store.outcome ?? {})}\n`);
}

/** Registers `kin privacy`. */
export function registerPrivacyCommand(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('delete, suppress or export a person by any identifier (through the running server)');
  for (const [name, type] of Object.entries(TYPES)) {
    privacy
      .command(name)
      .description(`${name} the whole profile holding <ref> (type:value or a profile id)`)
      .argument('<ref>', 'e.g. email:ann@example.com')
      .option('--url <url>', 'the running Kin (default http://127.0.0.1:$PORT)')
      .option('--token <token>', 'admin token (KIN_ADMIN_TOKEN, else credentials.json beside --db)')
      .option('--db <path|url>', 'where credentials.json is looked for (KIN_DB)')
      .option('--reason <text>', 'kept with the request')
      .option('--ndjson', 'export: one JSON object per line')
      .action(async (ref: string, flags: PrivacyFlags) => run(type, ref, flags));
  }
}
