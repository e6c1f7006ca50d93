/**
 * Journeys (orchestration, docs/journeys.md): each journey with its outline, status, live counts (entered,
 * sent, skipped as duplicates, exited, goal reached with and without the holdout) and its decisions by
 * outcome (the reasons: consent, caps, quiet hours, …), refreshed every few seconds;
 * publish, pause and resume for tokens with config:write. Below, the step diagram of the journey chosen by
 * its name (journey-diagram.tsx).
 */
import { useEffect, useState } from 'react';
import type { Journey } from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { holds, useKin } from '../kin-context.ts';
import { decisionReasons, journeyActions, journeyOutline } from '../messaging-text.ts';
import { hrefOf, link } from '../router.ts';
import { Empty, ErrorBox, formatCount, formatPercent, Loading, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { JourneyDiagram } from './journey-diagram.tsx';

/** How often the counts are read again. */
const REFRESH_MS = 5_000;

/** The Journeys (orchestration) page; `selected`: the journey whose step diagram shows (default: the first). */
export function OrchestrationPage({ selected }: { selected?: string }) {
  const { api } = useKin();
  const journeys = useApi(() => api.messaging.journeys(), 'messaging-journeys');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const list = journeys.state === 'ready' ? journeys.data.data : [];
  const shown = list.find((j) => j.key === selected) ?? list[0];
  return (
    <section className="page">
      <h1>Journeys (orchestration)</h1>
      <p className="muted">One message per customer across channels: counts are live; every decision is on the profile&apos;s timeline.</p>
      {journeys.state === 'loading' ? <Loading /> : null}
      {journeys.state === 'error' ? <ErrorBox error={journeys.error} onRetry={journeys.reload} /> : null}
      {journeys.state === 'ready' && journeys.data.data.length === 0 ? (
        <Empty>No journeys yet. Create one with POST /v1/journeys.</Empty>
      ) : null}
      {journeys.state === 'ready' && journeys.data.data.length > 0 ? (
        <div className="card">
          <table className="table">
            <thead>
              <tr>
                <th>Journey</th>
                <th>Status</th>
                <th className="num">Entered</th>
                <th className="num">Sent</th>
                <th className="num hide-narrow">Duplicates</th>
                <th className="num">Exited</th>
                <th className="num">Goal</th>
                <th className="num hide-narrow">Held out</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {journeys.data.data.map((j) => (
                <JourneyRow key={j.key} journey={j} tick={tick} onChanged={journeys.reload} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {shown ? <JourneyDiagram key={shown.key} journey={shown} tick={tick} /> : null}
    </section>
  );
}

function JourneyRow({ journey, tick, onChanged }: { journey: Journey; tick: number; onChanged: () => void }) {
  const { api, self } = useKin();
  const stats = useApi(() => api.messaging.journeyStats(journey.key), `journey-stats-${journey.key}`);
  const { reload } = stats;
  useEffect(() => {
    if (tick > 0) reload();
  }, [tick, reload]);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const act = async (action: 'publish' | 'pause' | 'resume') => {
    setBusy(true);
    const result = await api.messaging.journeyAction(journey.key, action);
    setBusy(false);
    setFailure(result.ok ? undefined : result.error);
    if (result.ok) onChanged();
  };
  const s = stats.state === 'ready' ? stats.data : undefined;
  const n = (value: number | undefined) => (value === undefined ? '…' : formatCount(value));
  const lift = s?.goal.lift;
  const cells: Array<[string, string, string, string?]> = [
    ['entered', 'num', n(s?.entered)],
    ['sent', 'num', n(s?.decisions.sent)],
    ['duplicates', 'num hide-narrow', n(s?.decisions.skipped_duplicate)],
    [
      'exited',
      'num',
      s ? formatCount(s.exited.goal + s.exited.exitRule) : '…',
      s ? `goal ${s.exited.goal}, exit rule ${s.exited.exitRule}` : undefined,
    ],
    [
      'goal',
      'num',
      s ? `${formatPercent(s.goal.treated)} / ${formatPercent(s.goal.holdout)}` : '…',
      `goal rate treated / held out${lift === null || lift === undefined ? '' : `, lift ${formatPercent(lift)}`}`,
    ],
    ['held-out', 'num hide-narrow', n(s?.heldOut)],
  ];
  return (
    <tr data-journey={journey.key}>
      <td>
        <a
          href={hrefOf({ name: 'orchestration', journey: journey.key })}
          onClick={link({ name: 'orchestration', journey: journey.key })}
          title="show its steps"
          data-diagram-link
        >
          <strong>{journey.name ?? journey.key}</strong>
        </a>
        <div className="muted small">{journeyOutline(journey)}</div>
        {s && decisionReasons(s.decisions) ? (
          <div className="small" data-reasons>
            Decisions: {decisionReasons(s.decisions)}
          </div>
        ) : null}
        {failure ? <div className="tag tag-red">{failure.message}</div> : null}
      </td>
      <td data-status={journey.status}>
        <span className={journey.status === 'published' ? 'tag' : 'tag tag-amber'}>{journey.status}</span>
        {journey.publishedAt ? (
          <div className="muted small hide-narrow">
            since <Time iso={journey.publishedAt} />
          </div>
        ) : null}
      </td>
      {cells.map(([stat, className, text, title]) => (
        <td key={stat} className={className} data-stat={stat} title={title}>
          {text}
        </td>
      ))}
      <td>
        {holds(self, 'config:write')
          ? journeyActions(journey.status).map((action) => (
              <button key={action} type="button" className="button" disabled={busy} data-action={action} onClick={() => void act(action)}>
                {action[0]!.toUpperCase() + action.slice(1)}
              </button>
            ))
          : null}
      </td>
    </tr>
  );
}
