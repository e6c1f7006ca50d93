/**
 * One plain transaction on a pooled client of its own, for the store's work beside the write path (the matching
 * port's backfill, the match switch, analytics scans): committed when `fn` resolves; rolled back, and the client dropped, when it
 * throws. Write transactions of events go through postgres-pool.ts instead (retries, the switch read with BEGIN).
 */
import type pg from 'pg';
import type { PoolClient } from 'pg';

/** Runs `fn` in one transaction on a client of its own, opened by `begin` (a read-only snapshot, say). */
export async function clientTransaction<T>(pool: pg.Pool, fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}

/** How a scan begins: one read-only snapshot for all its statements. */
export const READ_SNAPSHOT = 'BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ';

/** Limits the statements of this transaction to the time left before `deadline` (none for Infinity: exports, benchmarks). */
export async function setStatementTimeout(client: pg.PoolClient, deadline: number): Promise<void> {
  const left = Number.isFinite(deadline) ? Math.min(2_147_483_647, Math.max(1, Math.ceil(deadline - Date.now()))) : 0;
  await client.query(`SET LOCAL statement_timeout = ${left}`);
}
