/**
 * The rows behind a journey's step diagram (`GET /v1/journeys/{key}/steps`), written once in SQL for both
 * stores: instances grouped by where they stand, decisions by step and outcome, and branch steps by the way
 * their instances went. Core's
 * `journeyStepCounts` turns them into counts per step.
 *
 * Why the `deferred` flag: an instance that waits out a wait step rests on the step after it with a due time
 * in the future, exactly as an instance deferred by quiet hours rests on its send; only its `deferred_quiet`
 * decision on that step tells the two apart.
 */
import type { JourneyStepRows } from '@kin/core';
import type { SqlRunner } from './messaging-sql.ts';

/** The migration (SQLite 30, PostgreSQL 26): the step each decision was made at, and decisions by instance. */
export const DECISION_STEP_SQL = `
  ALTER TABLE message_decisions ADD COLUMN step_index INTEGER;
  CREATE INDEX message_decisions_instance ON message_decisions (instance_id, step_index);
`;

/**
 * The migration (SQLite 37, PostgreSQL 33): which way each instance went at each branch step. One row per
 * (instance, step), written in the transaction that moves the instance past the branch and ignored when
 * there already (a second runner during a lease takeover walks the same branch): the then/else counts of the
 * step diagram count instances, not walks.
 */
export const JOURNEY_BRANCHES_SQL = `
  CREATE TABLE journey_branches (
    instance_id TEXT NOT NULL,
    step_index INTEGER NOT NULL,
    journey_key TEXT NOT NULL,
    taken INTEGER NOT NULL,
    PRIMARY KEY (instance_id, step_index)
  );
  CREATE INDEX journey_branches_journey ON journey_branches (journey_key, step_index);
`;

/** The instance, decision and branch rows of journey `key`, `now` deciding which due times are still ahead. */
export async function journeyStepRows(sql: SqlRunner, key: string, now: string): Promise<JourneyStepRows> {
  // A derived table: PostgreSQL does not let a grouped query's subquery read the ungrouped `i.id`.
  const instances = await sql.all(
    `SELECT step_index, state, end_reason, later, deferred, count(*) AS n FROM (
       SELECT i.step_index, i.state, i.end_reason,
              CASE WHEN i.due_at IS NOT NULL AND i.due_at > ? THEN 1 ELSE 0 END AS later,
              CASE WHEN EXISTS (SELECT 1 FROM message_decisions d
                                WHERE d.instance_id = i.id AND d.step_index = i.step_index AND d.outcome = 'deferred_quiet')
                   THEN 1 ELSE 0 END AS deferred
       FROM journey_instances i WHERE i.journey_key = ? AND i.state <> 'merged'
     ) x GROUP BY step_index, state, end_reason, later, deferred`,
    [now, key],
  );
  const decisions = await sql.all(
    'SELECT step_index, outcome, count(*) AS n FROM message_decisions WHERE journey_key = ? GROUP BY step_index, outcome',
    [key],
  );
  const branches = await sql.all(
    `SELECT b.step_index, b.taken, count(*) AS n FROM journey_branches b JOIN journey_instances i ON i.id = b.instance_id
     WHERE b.journey_key = ? AND i.state <> 'merged' GROUP BY b.step_index, b.taken`,
    [key],
  );
  return {
    branches: branches.map((r) => ({ stepIndex: Number(r.step_index), taken: Number(r.taken) === 1, n: Number(r.n) })),
    instances: instances.map((r) => ({
      stepIndex: Number(r.step_index),
      state: r.state as string,
      ...(r.end_reason ? { endReason: r.end_reason as string } : {}),
      later: Number(r.later) === 1,
      deferred: Number(r.deferred) === 1,
      n: Number(r.n),
    })),
    decisions: decisions.map((r) => ({
      ...(r.step_index === null || r.step_index === undefined ? {} : { stepIndex: Number(r.step_index) }),
      outcome: r.outcome as string,
      n: Number(r.n),
    })),
  };
}
