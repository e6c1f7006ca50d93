/**
 * Walking a journey's steps: which step comes after a branch, and what a branch condition reads. Pure.
 */
import type { BranchCondition, JourneyStep } from '../api/messaging-api.ts';
import { valueAt } from './message-template.ts';

/** Whether a branch condition holds over `{ trigger, traits }`. */
export function branchConditionHolds(condition: BranchCondition, scope: { trigger: unknown; traits: Record<string, unknown> }): boolean {
  const value = valueAt(scope, condition.path);
  if (condition.exists !== undefined && (value !== undefined && value !== null) !== condition.exists) return false;
  if (Object.hasOwn(condition, 'equals') && value !== condition.equals) return false;
  return true;
}

/** The index of the step after step `at`: a branch jumps to `then`/`else` (the next step when absent). */
export function nextStepIndex(steps: readonly JourneyStep[], at: number, branchTaken?: boolean): number {
  const step = steps[at];
  if (step && 'branch' in step && branchTaken !== undefined) {
    const target = branchTaken ? step.branch.then : step.branch.else;
    if (target !== undefined) {
      const i = steps.findIndex((s) => s.id === target);
      if (i > at) return i;
    }
  }
  return at + 1;
}
