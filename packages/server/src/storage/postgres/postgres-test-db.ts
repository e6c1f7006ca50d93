/**
 * Throwaway PostgreSQL databases for tests (this suite, and any other suite that needs a real database).
 * The server is `KIN_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres); each database
 * gets a unique name and is dropped with `WITH (FORCE)`, so a test that leaks connections cannot block it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of one's own; `drop` removes it (and ends every connection to it). */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Whether tests may use PostgreSQL: `{ ok: false, reason }` when the server cannot be reached. */
export type TestPostgresStatus = { ok: true } | { ok: false; reason: string };

/** Whether missing services must fail the run instead of skipping (CI sets `KIN_REQUIRE_SERVICES`). */
export function servicesRequired(): boolean {
  return Boolean(process.env.KIN_REQUIRE_SERVICES);
}

/** Tries the admin connection once, with a short timeout. */
export async function testPostgresStatus(): Promise<TestPostgresStatus> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `PostgreSQL at ${redact(adminUrl())} is unreachable: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates an empty database named `kin_test_<random>` and returns its URL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `kin_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** The first column of every row of `sql` in the database at `url`, as strings (test checks of stored rows). */
export async function selectColumn(url: string, sql: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const result = await client.query<Record<string, unknown>>({ text: sql, rowMode: 'array' } as never);
    return (result.rows as unknown as unknown[][]).map((row) => String(row[0]));
  } finally {
    await client.end();
  }
}

function adminUrl(): string {
  return process.env.KIN_TEST_POSTGRES_URL ?? DEFAULT_ADMIN_URL;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
