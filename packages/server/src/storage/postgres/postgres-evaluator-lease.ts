/**
 * The evaluator lease of a PostgreSQL database: a session advisory lock held on a connection of its own.
 * With several Kin processes on one database (scale-out), only the holder runs the computed-trait and
 * audience evaluator; the others try again at each turn.
 *
 * Why a session lock on a dedicated connection: PostgreSQL releases it the moment the holder's session ends
 * — the process exits or is killed, the connection breaks — with no expiry to tune and no clock to trust,
 * so a standby takes over at its next try. A pooled connection would not do: the lock would belong to
 * whichever query borrowed it. The holder checks its connection at every turn (one round trip), so it
 * notices a broken connection (and with it a lost lock) before evaluating again.
 */
import pg from 'pg';
import type { EvaluatorLease } from '../audience-store.ts';

/** The advisory lock key (any constant unique to Kin's evaluator). */
const LEASE_SQL = "SELECT pg_try_advisory_lock(hashtextextended('kin:audience-evaluator', 0)) AS held";

/** A lease over its own connection to `url` (opened on the first `hold`). */
export function createPostgresEvaluatorLease(url: string): EvaluatorLease {
  let client: pg.Client | undefined;
  let held = false;
  const drop = async (): Promise<void> => {
    const c = client;
    client = undefined;
    held = false;
    if (c) await c.end().catch(() => undefined);
  };
  return {
    async hold() {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString: url, application_name: 'kin-evaluator-lease' });
          // A broken connection is noticed by the next query; without a listener its 'error' would crash the process.
          c.on('error', () => undefined);
          client = c;
          await c.connect();
        }
        if (held) {
          await client.query('SELECT 1');
          return true;
        }
        held = ((await client.query<{ held: boolean }>(LEASE_SQL)).rows[0]?.held ?? false) === true;
        return held;
      } catch {
        // The connection broke: any lock it held is gone with it; the next call connects again.
        await drop();
        return false;
      }
    },
    release: drop,
  };
}
