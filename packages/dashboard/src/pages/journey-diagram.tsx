/**
 * A journey's step diagram with live counts (`GET /v1/journeys/{key}/steps` and `/stats`): the trigger with
 * how many entered, then each step — a wait with the instances waiting in it, a send with its decisions by
 * reason, a branch with its condition, targets and how many went each way — each with the instances that
 * ended in it, then the end:
 * completed, exits and the goal. A DOM diagram (not a chart) so every count is text a reader can select.
 */
import { useEffect } from 'react';
import type { DecisionOutcome, Journey, JourneyStats, JourneyStepCount } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { OUTCOME_TEXT, branchTargets, endReasonText, stepLabel, triggerLabel } from '../messaging-text.ts';
import { ErrorBox, formatCount, formatPercent, Loading, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

/** The diagram of one journey, read again whenever `tick` changes. */
export function JourneyDiagram({ journey, tick }: { journey: Journey; tick: number }) {
  const { api } = useKin();
  const steps = useApi(() => api.messaging.journeySteps(journey.key), `journey-steps-${journey.key}`);
  const stats = useApi(() => api.messaging.journeyStats(journey.key), `journey-diagram-stats-${journey.key}`);
  const reloadSteps = steps.reload;
  const reloadStats = stats.reload;
  useEffect(() => {
    if (tick > 0) {
      reloadSteps();
      reloadStats();
    }
  }, [tick, reloadSteps, reloadStats]);
  if (steps.state === 'loading') return <Loading />;
  if (steps.state === 'error') return <ErrorBox error={steps.error} onRetry={steps.reload} />;
  const counts = steps.data;
  const s = stats.state === 'ready' ? stats.data : undefined;
  return (
    <div className="card" data-diagram={journey.key}>
      <h2>
        {journey.name ?? journey.key}: steps{' '}
        <span className="muted small">
          live, read <Time iso={counts.at} />
        </span>
      </h2>
      <ol className="flow">
        <li className="flow-node flow-trigger" data-node="trigger">
          <div className="flow-kind">trigger</div>
          <div className="flow-title">{triggerLabel(journey.trigger)}</div>
          <Count name="entered" n={counts.entered} />
          {s && s.heldOut > 0 ? <Count name="held out" n={s.heldOut} note="(stable per profile)" /> : null}
        </li>
        {counts.steps.map((count) => (
          <StepNode key={count.index} journey={journey} count={count} />
        ))}
        <li className="flow-node flow-end" data-node="end">
          <div className="flow-kind">end</div>
          <Count name="completed" n={counts.completed} />
          <ExitCounts stats={s} journey={journey} />
        </li>
      </ol>
    </div>
  );
}

function StepNode({ journey, count }: { journey: Journey; count: JourneyStepCount }) {
  const step = journey.steps[count.index];
  if (!step) return null;
  const branch = count.kind === 'branch' ? branchTargets(journey.steps, count.index) : undefined;
  const decisions = Object.entries(count.decisions ?? {})
    .filter(([, n]) => (n ?? 0) > 0)
    .sort(([a, x], [b, y]) => (y ?? 0) - (x ?? 0) || a.localeCompare(b));
  const nowName = count.kind === 'wait' ? 'waiting' : count.kind === 'send' ? 'waiting to send' : 'here';
  return (
    <li className={`flow-node flow-${count.kind}`} data-step={count.index} data-kind={count.kind}>
      <div className="flow-kind">
        step {count.index + 1}
        {step.id ? ` · ${step.id}` : ''}
      </div>
      <div className="flow-title">{stepLabel(step)}</div>
      {branch ? (
        <div className="small" data-branch>
          if {branch.condition}: {branch.then}; else {branch.else}
        </div>
      ) : null}
      {branch && count.branch ? (
        <>
          <Count name={`then → ${branch.then}`} n={count.branch.then} stat="then" />
          <Count name={`else → ${branch.else}`} n={count.branch.else} stat="else" />
        </>
      ) : null}
      {count.kind !== 'branch' || count.now > 0 ? <Count name={nowName} n={count.now} stat="now" /> : null}
      {count.decisions ? (
        <ul className="flow-reasons" data-decisions>
          {decisions.length === 0 ? <li className="muted small">no decisions yet</li> : null}
          {decisions.map(([outcome, n]) => (
            <li key={outcome} data-outcome={outcome} className={outcome === 'sent' ? 'flow-sent' : undefined}>
              <span className="flow-n">{formatCount(n ?? 0)}</span> {OUTCOME_TEXT[outcome as DecisionOutcome] ?? outcome}
            </li>
          ))}
        </ul>
      ) : null}
      {Object.entries(count.ended).map(([reason, n]) => (
        <Count key={reason} name={`ended: ${endReasonText(reason)}`} n={n} stat={`ended-${reason}`} />
      ))}
    </li>
  );
}

function ExitCounts({ stats, journey }: { stats: JourneyStats | undefined; journey: Journey }) {
  if (!stats) return null;
  return (
    <>
      <Count name="exit rule" n={stats.exited.exitRule} stat="exit-rule" />
      {journey.goal ? (
        <>
          <Count name={`reached the goal (${journey.goal.event})`} n={stats.exited.goal} stat="goal" />
          <div className="small muted" data-stat="goal-rate">
            goal rate: treated {formatPercent(stats.goal.treated)}
            {stats.heldOut > 0 ? ` · held out ${formatPercent(stats.goal.holdout)}` : ''}
          </div>
        </>
      ) : null}
    </>
  );
}

function Count({ name, n, stat, note }: { name: string; n: number; stat?: string; note?: string }) {
  return (
    <div className="flow-count" data-stat={stat ?? name}>
      <span className="flow-n">{formatCount(n)}</span> {name}
      {note ? <span className="muted small"> {note}</span> : null}
    </div>
  );
}
