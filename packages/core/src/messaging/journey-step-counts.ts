/**
 * Where each instance of a journey stands, as counts per step (the dashboard's step diagram). Pure: the store
 * reads grouped rows (`messaging-step-sql.ts`), this places them on the steps.
 *
 * How an instance's row says where it is: `stepIndex` is the next step to run. A wait, once reached, moves the
 * instance to the step after it with the wait's end as due time, so an instance resting on step `s` with a due
 * time ahead, right after a wait, is in that wait — unless it is deferred by quiet hours at the send `s` (it
 * has a `deferred_quiet` decision there). An instance that ended (exit rule, goal) ended in the step it was in
 * by the same rule; one that ran out of steps is `completed`.
 */
import type { JourneyStep, JourneyStepCount } from '../api/messaging-api.ts';

/** Instances of one journey grouped by where they stand, and its decisions by step and outcome. */
export interface JourneyStepRows {
  instances: Array<{ stepIndex: number; state: string; endReason?: string; later: boolean; deferred: boolean; n: number }>;
  /** `stepIndex` is absent on decisions recorded before decisions carried their step. */
  decisions: Array<{ stepIndex?: number; outcome: string; n: number }>;
  /** Instances that passed each branch step, by whether its condition held. */
  branches?: Array<{ stepIndex: number; taken: boolean; n: number }>;
}

/** The step an instance row stands in (`undefined`: past the last step). */
function stepOf(steps: readonly JourneyStep[], row: JourneyStepRows['instances'][number]): number | undefined {
  const s = row.stepIndex;
  const afterWait = s > 0 && steps[s - 1] !== undefined && 'wait' in steps[s - 1]!;
  const resting = row.state === 'active' ? row.later : true;
  if (afterWait && resting && !row.deferred) return s - 1;
  return s < steps.length ? s : undefined;
}

/**
 * Counts per step: instances in it now, those that ended in it by reason, a send's decisions by outcome and a
 * branch's instances by the way they went.
 */
export function journeyStepCounts(steps: readonly JourneyStep[], rows: JourneyStepRows): { steps: JourneyStepCount[]; completed: number } {
  const out: JourneyStepCount[] = steps.map((step, index) => ({
    index,
    kind: 'wait' in step ? 'wait' : 'send' in step ? 'send' : 'branch',
    now: 0,
    ended: {},
    ...('send' in step ? { decisions: {} } : {}),
    ...('branch' in step ? { branch: { then: 0, else: 0 } } : {}),
  }));
  let completed = 0;
  for (const row of rows.instances) {
    if (row.state === 'done' || row.endReason === 'completed') {
      completed += row.n;
      continue;
    }
    const at = stepOf(steps, row);
    const count = at === undefined ? out.at(-1) : out[at];
    if (!count) continue;
    if (row.state === 'active') count.now += row.n;
    else {
      const reason = row.endReason ?? row.state;
      count.ended[reason] = (count.ended[reason] ?? 0) + row.n;
    }
  }
  // Decisions recorded before they carried their step belong to the send when the journey has one.
  const sends = out.filter((c) => c.kind === 'send');
  for (const d of rows.decisions) {
    const count = d.stepIndex === undefined ? (sends.length === 1 ? sends[0] : undefined) : out[d.stepIndex];
    if (!count?.decisions) continue;
    const outcome = d.outcome as keyof NonNullable<JourneyStepCount['decisions']>;
    count.decisions[outcome] = (count.decisions[outcome] ?? 0) + d.n;
  }
  for (const b of rows.branches ?? []) {
    const branch = out[b.stepIndex]?.branch;
    if (branch) branch[b.taken ? 'then' : 'else'] += b.n;
  }
  return { steps: out, completed };
}
