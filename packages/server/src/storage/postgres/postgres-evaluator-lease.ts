/**
 * The evaluator lease of a PostgreSQL database (a session lease, `postgres-session-lease.ts`): with several Kin
 * processes on one database (scale-out), only the holder runs the computed-trait and audience evaluator; the
 * others try again at each turn.
 */
import type { EvaluatorLease } from '../audience-store.ts';
import { createPostgresSessionLease } from './postgres-session-lease.ts';

/** A lease over its own connection to `url` (opened on the first `hold`). */
export function createPostgresEvaluatorLease(url: string): EvaluatorLease {
  return createPostgresSessionLease({ url, key: 'kin:audience-evaluator', label: 'kin-evaluator-lease' });
}
