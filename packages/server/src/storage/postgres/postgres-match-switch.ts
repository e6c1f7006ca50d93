/**
 * The switch of incremental matching in the PostgreSQL database (migration 36): one row every writer reads
 * (each server, `kin import`, every NATS resolver worker), so they all keep the blocking index
 * (postgres-match-index.ts) while it is on and none of them does any index work while it is off.
 *
 * How writers and a switch agree: every write transaction reads the switch in the same round trip as its
 * BEGIN (`SWITCH_READ`, postgres-pool.ts), so it costs no extra round trip, and the read holds the table's
 * ACCESS SHARE lock until the transaction ends. A switch takes ACCESS EXCLUSIVE on the table, so it waits
 * for every transaction that read the old value and holds back every one that would read it, then commits
 * the new value. Why not a cached value with a time to live: a writer would go on keeping (or not keeping)
 * the index for up to that long after the switch, and the rebuild could not know when it was safe to run.
 * The rebuild's marks are made in a second transaction behind the same lock, after every transaction
 * that read the switch before it changed has ended, so no profile that such a writer changed is missed.
 */
import type pg from 'pg';
import type { PoolClient } from 'pg';
import { PERSON_TRAIT_KEYS } from '../../matching/match-keys.ts';
import { clientTransaction } from './postgres-client-transaction.ts';

/** Migration 36: the switch, off (the policy default); the index kept until now is emptied (see the SQLite store's migration 40). */
export const POSTGRES_MATCH_SWITCH_MIGRATION = {
  version: 36,
  name: 'incremental matching: the switch every writer reads',
  sql: `
    CREATE TABLE match_switch (id int PRIMARY KEY CHECK (id = 1), incremental boolean NOT NULL);
    INSERT INTO match_switch (id, incremental) VALUES (1, false);
    TRUNCATE match_keys, match_profiles;
  `,
};

/** The read every write transaction sends with its BEGIN (one row: `incremental`). */
export const SWITCH_READ = 'SELECT incremental FROM match_switch';

/** Whether the switch is on. */
export async function postgresMatchingOn(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ incremental: boolean }>(SWITCH_READ);
  return rows[0]?.incremental === true;
}

/**
 * Sets the switch; answers whether it changed. First transaction: the new value, and the index emptied. Second:
 * the index settled to the switch as it is then (another switch may have come between): on, every profile with a
 * person trait is marked for the backfill (keys NULL; a profile a writer keyed meanwhile is keyed again, the
 * backfill removing any key it holds); off, emptied again.
 */
export async function switchPostgresMatching(pool: pg.Pool, on: boolean): Promise<boolean> {
  const changed = await underSwitchLock(pool, async (client, current) => {
    if (current === on) return false;
    await client.query('UPDATE match_switch SET incremental = $1', [on]);
    await client.query('TRUNCATE match_keys, match_profiles');
    return true;
  });
  if (!changed) return false;
  await underSwitchLock(pool, async (client, current) => {
    if (!current) await client.query('TRUNCATE match_keys, match_profiles');
    else
      await client.query(
        `INSERT INTO match_profiles (profile_id) SELECT DISTINCT profile_id FROM traits WHERE value IS NOT NULL AND key = ANY ($1::text[])
         ON CONFLICT (profile_id) DO UPDATE SET keys = NULL`,
        [[...PERSON_TRAIT_KEYS]],
      );
  });
  return true;
}

/** One transaction holding the switch's table exclusively, given the switch's value. */
async function underSwitchLock<T>(pool: pg.Pool, fn: (client: PoolClient, current: boolean) => Promise<T>): Promise<T> {
  return clientTransaction(pool, async (client) => {
    await client.query('LOCK TABLE match_switch IN ACCESS EXCLUSIVE MODE');
    const { rows } = await client.query<{ incremental: boolean }>(SWITCH_READ);
    return fn(client, rows[0]?.incremental === true);
  });
}
