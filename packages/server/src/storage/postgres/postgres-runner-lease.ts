/**
 * The runner lease on PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) held on a connection of
 * its own, outside the pool.
 *
 * Why a dedicated connection: a session lock belongs to the connection that took it, and a pooled client is
 * handed to other work and may be replaced. Why this survives crashes: when the holding process dies (even
 * `kill -9`) the kernel closes its socket, PostgreSQL ends the session and drops the lock, and the next
 * `hold()` of another process takes it. A holder whose connection breaks learns it at its next `hold()` and
 * stops deciding; the row lock of `MessagingTx.lockInstance` covers the moment in between.
 * The connection's `application_name` names the process (`kin-runner:<name>:<pid>`), so `pg_stat_activity`
 * and `pg_locks` tell an operator which process runs journeys.
 */
import pg from 'pg';
import type { RunnerLease } from '../messaging-store.ts';

/** The SQL key of a lease (64-bit, in the key space of Kin's other advisory locks, `hashtextextended`). */
const LOCK_KEY = "hashtextextended('kin:runner-lease:' || $1, 0)";

/** Creates a lease named `name` on the database at `url`. */
export function createPostgresRunnerLease(options: { url: string; name: string }): RunnerLease {
  let client: pg.Client | undefined;
  let held = false;

  const drop = async (): Promise<void> => {
    const c = client;
    client = undefined;
    held = false;
    await c?.end().catch(() => undefined);
  };
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: options.url, application_name: `kin-runner:${options.name}:${process.pid}`, keepAlive: true });
    // A connection that breaks while idle: the lease is gone with it (PostgreSQL released the lock).
    const lost = () => {
      if (client === c) void drop();
    };
    c.on('error', lost);
    c.on('end', lost);
    await c.connect();
    client = c;
    return c;
  };

  return {
    async hold() {
      try {
        const c = client ?? (await connect());
        if (held) {
          // The session is alive, so its lock is too.
          await c.query('SELECT 1');
          return client === c;
        }
        const { rows } = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`, [options.name]);
        held = client === c && rows[0]?.ok === true;
        return held;
      } catch {
        await drop();
        return false;
      }
    },
    release: drop,
  };
}
