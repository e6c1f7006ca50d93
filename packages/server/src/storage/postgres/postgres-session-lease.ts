/**
 * A lease of one PostgreSQL database that one process of many holds: a session advisory lock
 * (`pg_try_advisory_lock`) on a connection of its own, outside the pool. The journey runner
 * (`kin-runner:journeys:<pid>`) and the audience evaluator (`kin-evaluator-lease`) each hold one.
 *
 * Why a dedicated connection: a session lock belongs to the connection that took it, and a pooled client is
 * handed to other work and may be replaced. Why this survives crashes: when the holding process dies (even
 * `kill -9`) the kernel closes its socket, PostgreSQL ends the session and drops the lock, and the next
 * `hold()` of another process takes it — no expiry to tune, no clock to trust. A holder whose connection
 * breaks learns it at its next `hold()` (one round trip) and stops; for the journey runner the row lock of
 * `MessagingTx.lockInstance` covers the moment in between. The connection's `application_name` names the
 * holder, so `pg_stat_activity` and `pg_locks` tell an operator which process holds which lease.
 */
import pg from 'pg';

/** A lease: `hold()` takes it or checks it is still held (`false` while another process holds it). */
export interface SessionLease {
  hold(): Promise<boolean>;
  /** Gives it up (on shutdown), so another process takes over at once. */
  release(): Promise<void>;
}

/** A lease keyed by `key` (hashed into Kin's advisory-lock key space) on its own connection to `url`, named `label`. */
export function createPostgresSessionLease(options: { url: string; key: string; label: string }): SessionLease {
  let client: pg.Client | undefined;
  let held = false;
  let broken = false;

  const drop = async (): Promise<void> => {
    const c = client;
    client = undefined;
    held = false;
    broken = false;
    await c?.end().catch(() => undefined);
  };
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString: options.url,
      application_name: options.label,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    // A connection that breaks while idle: the lease is gone with it (PostgreSQL released the lock), and the
    // next `hold()` says so before connecting again, so a standby gets a turn to take it. Without a listener
    // its 'error' would crash the process.
    const lost = () => {
      if (client === c) broken = true;
    };
    c.on('error', lost);
    c.on('end', lost);
    await c.connect();
    client = c;
    return c;
  };

  return {
    async hold() {
      if (broken) {
        await drop();
        return false;
      }
      try {
        const c = client ?? (await connect());
        if (held) {
          // The session is alive, so its lock is too.
          await c.query('SELECT 1');
          return client === c;
        }
        const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [options.key]);
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

/** The journey runner's lease named `name` (`JOURNEY_CURSOR`), its connection named `kin-runner:<name>:<pid>`. */
export function createPostgresRunnerLease(options: { url: string; name: string }): SessionLease {
  return createPostgresSessionLease({
    url: options.url,
    key: `kin:runner-lease:${options.name}`,
    label: `kin-runner:${options.name}:${process.pid}`,
  });
}
