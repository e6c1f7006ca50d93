/**
 * Test harness: a real Kin on a real socket, with a temporary SQLite file, a known admin token and a
 * known write key. Every test that starts one closes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config.ts';
import type { KinApp } from '../http/app.ts';
import type { RunningKin } from '../main.ts';
import { startKin } from '../main.ts';
import type { Clock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';

/** A started Kin for tests. */
export interface TestKin {
  kin: RunningKin;
  url: string;
  adminToken: string;
  writeKey: string;
  dbPath: string;
  logLines: string[];
  /** `fetch` against the server with the admin token. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** POST JSON to a tracking route with the write key as HTTP Basic user. */
  track(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Starts Kin with a fresh database. */
export async function startTestKin(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    db?: string;
    /** Extra routes (e.g. `mountWebAssets`). */ extra?: (app: KinApp) => void;
  } = {},
): Promise<TestKin> {
  const dir = mkdtempSync(join(tmpdir(), 'kin-test-'));
  const adminToken = 'test-admin-token-0123456789';
  const writeKey = 'test-write-key-web-0123';
  const dbPath = options.db ?? join(dir, 'kin.db');
  const config = parseConfig({
    PORT: '0',
    KIN_HOST: '127.0.0.1',
    KIN_DB: dbPath,
    KIN_ADMIN_TOKEN: adminToken,
    KIN_WRITE_KEYS: `web:${writeKey}`,
    ...options.env,
  });
  const logger = memoryLogger();
  const kin = await startKin({
    config,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.extra ? { extra: options.extra } : {}),
  });
  const basic = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
  return {
    kin,
    url: kin.url,
    adminToken,
    writeKey,
    dbPath,
    logLines: logger.lines,
    admin: (path, init = {}) =>
      fetch(kin.url + path, { ...init, headers: { authorization: `Bearer ${adminToken}`, ...(init.headers as Record<string, string>) } }),
    track: (path, body, init = {}) =>
      fetch(kin.url + path, {
        method: 'POST',
        body: typeof body === 'string' ? body : body instanceof Uint8Array ? new Blob([new Uint8Array(body)]) : JSON.stringify(body),
        ...init,
        headers: { 'content-type': 'application/json', authorization: basic, ...(init.headers as Record<string, string>) },
      }),
    async close() {
      await kin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends JSON with the admin token and answers the parsed body; throws with the status and body unless 2xx. */
export async function adminJson(kin: TestKin, path: string, body: unknown, method = 'POST'): Promise<Record<string, unknown>> {
  const res = await kin.admin(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Sends JSON with the admin token to a request expected to fail: its status and the error's code and field. */
export async function adminError(
  kin: TestKin,
  path: string,
  body: unknown,
  method = 'POST',
): Promise<{ status: number; code: string; field?: string }> {
  const res = await kin.admin(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const { error } = (await res.json()) as { error: { code: string; field?: string } };
  return { status: res.status, code: error.code, ...(error.field !== undefined ? { field: error.field } : {}) };
}
