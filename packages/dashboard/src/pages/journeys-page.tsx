/**
 * Journeys: a funnel with and without stitching, paths across channels (Sankey), attribution per model with the
 * difference stitching makes, and "why this conversion" — each table exportable as CSV. docs/analytics.md has the
 * semantics; the tables are journey-tables.ts.
 */
import { lazy, Suspense, useState } from 'react';
import type { FormEvent } from 'react';
import type { AttributionResponse, ConversionExplanation, FunnelResponse, PathsResponse } from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { attributionTable, conversionTable, funnelTable, pathsTable, toCsv } from '../journey-tables.ts';
import type { Table } from '../journey-tables.ts';
import { useKin } from '../kin-context.ts';
import { DataTable } from '../ui/data-table.tsx';
import { Empty, ErrorBox, formatPercent, Loading } from '../ui/states.tsx';

// Why lazy: ECharts is large; the first screen loads without it (as the overview's chart does).
const FunnelChart = lazy(() => import('../ui/journey-charts.tsx').then((m) => ({ default: m.FunnelChart })));
const PathSankey = lazy(() => import('../ui/journey-charts.tsx').then((m) => ({ default: m.PathSankey })));

const DAY = 86_400_000;
const DEFAULT_STEPS = 'page, Product Viewed, Product Added, Checkout Started, Order Completed';

interface Answers {
  stitched: FunnelResponse;
  unstitched: FunnelResponse;
  paths: PathsResponse;
  attribution: AttributionResponse;
}

/** The Journeys page. */
export function JourneysPage() {
  const { api } = useKin();
  const [days, setDays] = useState(60);
  const [steps, setSteps] = useState(DEFAULT_STEPS);
  const [conversion, setConversion] = useState('Order Completed');
  const [answers, setAnswers] = useState<Answers | undefined>();
  const [error, setError] = useState<ApiFailure | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000).toISOString();
    const from = new Date(Date.parse(to) - days * DAY).toISOString();
    const funnel = {
      steps: steps
        .split(',')
        .map((s) => ({ event: s.trim() }))
        .filter((s) => s.event !== ''),
      from,
      to,
    };
    const [stitched, unstitched, paths, attribution] = await Promise.all([
      api.funnel({ ...funnel, unit: 'profile' }),
      api.funnel({ ...funnel, unit: 'anonymous_id' }),
      api.paths({ node: 'channel_event', steps: 5, exclude: ['identify'], from, to, unit: 'profile' }),
      api.attribution({
        conversion: { event: conversion, value: 'properties.total' },
        compare: { units: ['profile', 'anonymous_id'] },
        from,
        to,
      }),
    ]);
    setBusy(false);
    const failed = [stitched, unstitched, paths, attribution].find((r) => !r.ok);
    if (failed && !failed.ok) return setError(failed.error);
    if (stitched.ok && unstitched.ok && paths.ok && attribution.ok) {
      setError(undefined);
      setAnswers({ stitched: stitched.data, unstitched: unstitched.data, paths: paths.data, attribution: attribution.data });
    }
  };

  return (
    <section className="page">
      <h1>Journeys</h1>
      <form className="card inline-form" onSubmit={(e) => void run(e)}>
        <label htmlFor="journey-days">Last days</label>
        <input id="journey-days" type="number" min={1} max={400} value={days} onChange={(e) => setDays(Number(e.target.value))} />
        <label htmlFor="journey-steps">Funnel steps</label>
        <input id="journey-steps" value={steps} onChange={(e) => setSteps(e.target.value)} size={60} />
        <label htmlFor="journey-conversion">Conversion</label>
        <input id="journey-conversion" value={conversion} onChange={(e) => setConversion(e.target.value)} />
        <button type="submit" className="button button-primary" disabled={busy}>
          Measure
        </button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {busy ? <Loading /> : null}
      {!answers && !busy && !error ? <Empty>Choose a period and press Measure.</Empty> : null}
      {answers ? <JourneyAnswers answers={answers} conversion={conversion} /> : null}
    </section>
  );
}

function JourneyAnswers({ answers, conversion }: { answers: Answers; conversion: string }) {
  const { stitched, unstitched, paths, attribution } = answers;
  return (
    <>
      <div className="card" data-section="funnel">
        <h2>Funnel</h2>
        <Suspense fallback={<Loading />}>
          <FunnelChart stitched={stitched} unstitched={unstitched} />
        </Suspense>
        <TableView name="funnel" table={funnelTable(stitched, unstitched)} />
      </div>
      <div className="card" data-section="paths">
        <h2>Paths across channels</h2>
        {paths.edges.length === 0 ? (
          <Empty>No paths in this period.</Empty>
        ) : (
          <Suspense fallback={<Loading />}>
            <PathSankey paths={paths} />
          </Suspense>
        )}
        <TableView name="paths" table={pathsTable(paths)} />
      </div>
      <div className="card" data-section="attribution">
        <h2>Attribution</h2>
        <p>
          Direct with stitching: <strong data-direct="profile">{formatPercent(attribution.direct.profile ?? 0)}</strong>, without:{' '}
          <strong data-direct="anonymous_id">{formatPercent(attribution.direct.anonymous_id ?? 0)}</strong>. Only stitching explains{' '}
          <strong data-only-stitching>{formatPercent(attribution.onlyStitchingExplains)}</strong> of {attribution.conversions} conversions.
        </p>
        <TableView name="attribution" table={attributionTable(attribution)} />
      </div>
      <WhyConversion conversion={conversion} />
    </>
  );
}

function WhyConversion({ conversion }: { conversion: string }) {
  const { api } = useKin();
  const [messageId, setMessageId] = useState('');
  const [answer, setAnswer] = useState<ConversionExplanation | undefined>();
  const [error, setError] = useState<ApiFailure | undefined>();
  const explain = async (e: FormEvent) => {
    e.preventDefault();
    const r = await api.conversion(messageId.trim(), {
      event: conversion,
      models: 'first_touch,last_touch,linear,time_decay,position_based',
    });
    if (!r.ok) {
      setAnswer(undefined);
      return setError(r.error);
    }
    setError(undefined);
    setAnswer(r.data);
  };
  return (
    <div className="card" data-section="why">
      <h2>Why this conversion</h2>
      <form className="inline-form" onSubmit={(e) => void explain(e)}>
        <label htmlFor="why-message">messageId</label>
        <input id="why-message" value={messageId} onChange={(e) => setMessageId(e.target.value)} required />
        <button type="submit" className="button">
          Explain
        </button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {answer ? (
        <>
          <p>
            {answer.conversion.event} at {answer.conversion.timestamp}, value {answer.conversion.value}: {answer.touches.length} touches on
            the stitched profile, {answer.unstitchedTouches} on its own anonymous id.
          </p>
          <TableView name="conversion" table={conversionTable(answer)} />
        </>
      ) : null}
    </div>
  );
}

/** A table with a CSV download of exactly what it shows. */
function TableView({ name, table }: { name: string; table: Table }) {
  const download = () => {
    const url = URL.createObjectURL(new Blob([toCsv(table)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `kin-${name}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <div className="table-wrap">
      <button type="button" className="button button-quiet" data-csv={name} onClick={download}>
        Export CSV
      </button>
      <DataTable columns={table.header} card={false} data-table={name}>
        {table.rows.map((row, i) => (
          <tr key={i}>
            {row.map((cell, j) => (
              <td key={j}>{cell}</td>
            ))}
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
