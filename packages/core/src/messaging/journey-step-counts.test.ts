import { describe, expect, it } from 'vitest';
import type { JourneyStep } from '../api/messaging-api.ts';
import { journeyStepCounts } from './journey-step-counts.ts';
import type { JourneyStepRows } from './journey-step-counts.ts';

// trigger → 0 wait → 1 send → 2 branch → 3 send
const STEPS: JourneyStep[] = [
  { wait: '1h' },
  { send: { message: 'reminder', dedupeKey: 'k', channels: ['email'] } },
  { branch: { if: { path: 'traits.vip', equals: true }, then: 'vip' } },
  { id: 'vip', send: { message: 'vip', dedupeKey: 'k', channels: ['email'] } },
];
type Row = JourneyStepRows['instances'][number];
const row = (over: Partial<Row>): Row => ({ stepIndex: 0, state: 'active', later: false, deferred: false, n: 1, ...over });

describe('journey step counts', () => {
  it('places waiting, deferred and due instances on their steps', () => {
    const { steps } = journeyStepCounts(STEPS, {
      instances: [
        row({ stepIndex: 0, n: 2 }), // entered, due now: at the wait
        row({ stepIndex: 1, later: true, n: 5 }), // waiting out the wait
        row({ stepIndex: 1, later: true, deferred: true, n: 3 }), // deferred by quiet hours at the send
        row({ stepIndex: 1, later: false, n: 4 }), // the wait is over: due at the send
        row({ stepIndex: 3, later: true, deferred: true, n: 1 }),
      ],
      decisions: [],
    });
    expect(steps.map((s) => s.now)).toEqual([7, 7, 0, 1]);
    expect(steps.map((s) => s.kind)).toEqual(['wait', 'send', 'branch', 'send']);
  });

  it('places ended instances in the step they were in, completed ones at the end, and decisions on their sends', () => {
    const counts = journeyStepCounts(STEPS, {
      instances: [
        row({ stepIndex: 1, state: 'exited', endReason: 'exit_rule', n: 3 }),
        row({ stepIndex: 1, state: 'exited', endReason: 'goal', n: 2 }),
        row({ stepIndex: 1, state: 'exited', endReason: 'exit_rule', deferred: true, n: 1 }),
        row({ stepIndex: 4, state: 'done', endReason: 'completed', n: 6 }),
      ],
      decisions: [
        { stepIndex: 1, outcome: 'sent', n: 4 },
        { stepIndex: 1, outcome: 'skipped_consent', n: 1 },
        { stepIndex: 3, outcome: 'skipped_duplicate', n: 4 },
        { outcome: 'sent', n: 9 },
      ],
    });
    expect(counts.completed).toBe(6);
    expect(counts.steps[0]!.ended).toEqual({ exit_rule: 3, goal: 2 });
    expect(counts.steps[1]!.ended).toEqual({ exit_rule: 1 });
    expect(counts.steps[1]!.decisions).toEqual({ sent: 4, skipped_consent: 1 });
    expect(counts.steps[2]!.decisions).toBeUndefined();
    // A decision without its step (recorded before steps were kept) is left out when the journey has two sends.
    expect(counts.steps[3]!.decisions).toEqual({ skipped_duplicate: 4 });
    const one = journeyStepCounts(STEPS.slice(0, 2), { instances: [], decisions: [{ outcome: 'sent', n: 9 }] });
    expect(one.steps[1]!.decisions).toEqual({ sent: 9 });
  });

  it("counts a branch's instances by the way they went; other steps have no branch counts", () => {
    const counts = journeyStepCounts(STEPS, {
      instances: [],
      decisions: [],
      branches: [
        { stepIndex: 2, taken: true, n: 3 },
        { stepIndex: 2, taken: false, n: 5 },
        { stepIndex: 1, taken: true, n: 7 }, // not a branch (the journey changed): left out
      ],
    });
    expect(counts.steps.map((s) => s.branch)).toEqual([undefined, undefined, { then: 3, else: 5 }, undefined]);
    expect(journeyStepCounts(STEPS, { instances: [], decisions: [] }).steps[2]!.branch).toEqual({ then: 0, else: 0 });
  });
});
