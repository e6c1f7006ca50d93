/**
 * The tables of the messaging port, one text both stores run from their migrations (only the seq column's
 * type differs). Apart from messaging-sql.ts, whose statements read and write these tables.
 */

/** The tables of the messaging port (the same text runs in both stores; see the migrations). */
export function messagingSchemaSql(options: { seqColumn: string }): string {
  return `
    CREATE TABLE journeys (key TEXT PRIMARY KEY, body TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE messaging_policy (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE destinations (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT, status TEXT NOT NULL, disabled_reason TEXT, config TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE journey_cursors (name TEXT PRIMARY KEY, seq BIGINT NOT NULL);
    CREATE TABLE journey_instances (
      id TEXT PRIMARY KEY, journey_key TEXT NOT NULL, profile_id TEXT NOT NULL, instance_key TEXT NOT NULL, state TEXT NOT NULL,
      step_index INTEGER NOT NULL, due_at TEXT, held_out INTEGER NOT NULL, trigger TEXT NOT NULL, trigger_seq BIGINT NOT NULL,
      entered_at TEXT NOT NULL, ended_at TEXT, end_reason TEXT, goal_at TEXT, UNIQUE (journey_key, trigger_seq)
    );
    CREATE INDEX journey_instances_profile ON journey_instances (profile_id, journey_key);
    CREATE INDEX journey_instances_due ON journey_instances (due_at) WHERE due_at IS NOT NULL;
    CREATE INDEX journey_instances_journey ON journey_instances (journey_key, state);
    CREATE TABLE message_claims (profile_id TEXT NOT NULL, dedupe_key TEXT NOT NULL, owner TEXT NOT NULL, claimed_at TEXT NOT NULL, expires_at TEXT NOT NULL, PRIMARY KEY (profile_id, dedupe_key));
    CREATE TABLE message_decisions (
      id TEXT PRIMARY KEY, journey_key TEXT NOT NULL, instance_id TEXT NOT NULL, profile_id TEXT NOT NULL, outcome TEXT NOT NULL,
      channel TEXT, tags TEXT, decided_at TEXT NOT NULL, body TEXT NOT NULL
    );
    CREATE INDEX message_decisions_profile ON message_decisions (profile_id, decided_at);
    CREATE INDEX message_decisions_journey ON message_decisions (journey_key, outcome);
    CREATE TABLE deliveries (
      seq ${options.seqColumn}, id TEXT NOT NULL UNIQUE, destination_id TEXT NOT NULL, profile_key TEXT NOT NULL, kind TEXT NOT NULL,
      payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_at TEXT NOT NULL, lease_until TEXT,
      last_status INTEGER, last_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries (status, next_at);
    CREATE INDEX deliveries_lease ON deliveries (status, lease_until);
    CREATE INDEX deliveries_queue ON deliveries (destination_id, profile_key, seq);
  `;
}
