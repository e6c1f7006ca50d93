/**
 * Deliveries (the outbox, docs/journeys.md): how many deliveries each destination has in each status (a count
 * filters the list), then the deliveries themselves, filterable by status and destination, with attempts, the
 * last answer and error, and a retry button on failed ones for tokens with config:write.
 */
import { useEffect, useState } from 'react';
import type { Delivery, DeliveryStatus, Destination } from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { holds, useKin } from '../kin-context.ts';
import { destinationLabel } from '../messaging-text.ts';
import { hrefOf, link, navigate } from '../router.ts';
import { FilterSelect } from '../ui/filter-select.tsx';
import { Empty, ErrorBox, formatCount, Loading, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

const STATUSES: DeliveryStatus[] = ['pending', 'in_flight', 'delivered', 'failed'];
const PAGE = 50;

/** The Deliveries page; `status` and `destination` filter the list (they are in the URL). */
export function DeliveriesPage({ status, destination }: { status?: string; destination?: string }) {
  const { api } = useKin();
  const destinations = useApi(() => api.messaging.destinations(), 'destinations');
  const summary = useApi(() => api.messaging.deliverySummary(), 'delivery-summary');
  const known: Destination[] = destinations.state === 'ready' ? destinations.data.data : [];
  const ids = [
    ...new Set([...known.map((d) => d.id), ...(summary.state === 'ready' ? summary.data.data.map((r) => r.destinationId) : [])]),
  ];
  const countOf = (id: string, s: DeliveryStatus) =>
    summary.state === 'ready' ? (summary.data.data.find((r) => r.destinationId === id && r.status === s)?.count ?? 0) : 0;
  const filter = (next: { status?: string; destination?: string }) =>
    navigate({
      name: 'deliveries',
      ...(next.status ? { status: next.status } : {}),
      ...(next.destination ? { destination: next.destination } : {}),
    });

  return (
    <section className="page">
      <div className="page-head">
        <h1>Deliveries</h1>
        <FilterSelect
          label="Status"
          name="status"
          value={status ?? ''}
          options={STATUSES.map((s) => ({ value: s, label: s }))}
          onChange={(v) => filter({ status: v, ...(destination ? { destination } : {}) })}
        />
        <FilterSelect
          label="Destination"
          name="destination"
          value={destination ?? ''}
          options={ids.map((id) => ({ value: id, label: destinationLabel(id, known) }))}
          onChange={(v) => filter({ ...(status ? { status } : {}), destination: v })}
        />
      </div>
      {summary.state === 'error' ? <ErrorBox error={summary.error} onRetry={summary.reload} /> : null}
      {summary.state === 'ready' && ids.length > 0 ? (
        <div className="card">
          <table className="table" data-summary>
            <thead>
              <tr>
                <th>Destination</th>
                {STATUSES.map((s) => (
                  <th key={s} className="num">
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ids.map((id) => (
                <tr key={id} data-destination={id}>
                  <td>
                    {destinationLabel(id, known)}
                    {known.find((d) => d.id === id)?.status === 'disabled' ? <span className="tag tag-red">disabled</span> : null}
                  </td>
                  {STATUSES.map((s) => (
                    <td key={s} className="num" data-count={s}>
                      <a
                        href={hrefOf({ name: 'deliveries', status: s, destination: id })}
                        onClick={link({ name: 'deliveries', status: s, destination: id })}
                      >
                        {formatCount(countOf(id, s))}
                      </a>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <DeliveryList
        key={`${status ?? ''}|${destination ?? ''}`}
        status={status}
        destination={destination}
        destinations={known}
        onRetried={summary.reload}
      />
    </section>
  );
}

function DeliveryList({
  status,
  destination,
  destinations,
  onRetried,
}: {
  status?: string;
  destination?: string;
  destinations: Destination[];
  onRetried: () => void;
}) {
  const { api, self } = useKin();
  const [rows, setRows] = useState<Delivery[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [state, setState] = useState<{ loading: boolean; error?: ApiFailure }>({ loading: true });
  const load = async (cursor: string | undefined) => {
    setState({ loading: true });
    const r = await api.messaging.deliveries({
      limit: PAGE,
      ...(status ? { status: status as DeliveryStatus } : {}),
      ...(destination ? { destination } : {}),
      ...(cursor ? { cursor } : {}),
    });
    if (!r.ok) return setState({ loading: false, error: r.error });
    setRows((before) => (cursor ? [...before, ...r.data.data] : r.data.data));
    setNext(r.data.cursor.hasMore ? r.data.cursor.next : null);
    setState({ loading: false });
  };
  useEffect(() => {
    void load(undefined);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  const retry = async (id: string) => {
    const r = await api.messaging.retryDelivery(id);
    if (!r.ok) return setState({ loading: false, error: r.error });
    setRows((before) => before.map((d) => (d.id === id ? r.data : d)));
    onRetried();
  };
  const canRetry = holds(self, 'config:write');
  return (
    <>
      {state.error ? <ErrorBox error={state.error} onRetry={() => void load(undefined)} /> : null}
      {!state.loading && !state.error && rows.length === 0 ? (
        <Empty>
          No deliveries{status ? ` ${status}` : ''}
          {destination ? ' to this destination' : ''}.
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="card">
          <table className="table" data-deliveries>
            <thead>
              <tr>
                <th>Delivery</th>
                <th>Destination</th>
                <th>Status</th>
                <th className="num">Attempts</th>
                <th>Last answer</th>
                <th className="hide-narrow">Updated</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} data-delivery={d.id} data-status={d.status}>
                  <td>
                    <code>{d.id}</code>
                    <div className="muted small">{d.kind}</div>
                  </td>
                  <td>{destinationLabel(d.destinationId, destinations)}</td>
                  <td>
                    <span className={d.status === 'failed' ? 'tag tag-red' : d.status === 'delivered' ? 'tag' : 'tag tag-amber'}>
                      {d.status}
                    </span>
                    {d.nextAttemptAt ? (
                      <div className="muted small">
                        next <Time iso={d.nextAttemptAt} />
                      </div>
                    ) : null}
                  </td>
                  <td className="num" data-attempts>
                    {d.attempts}
                  </td>
                  <td data-last-error>
                    {d.lastStatus !== undefined ? <code>{d.lastStatus}</code> : null}{' '}
                    {d.lastError ?? (d.lastStatus === undefined ? <span className="muted">—</span> : null)}
                  </td>
                  <td className="hide-narrow">
                    <Time iso={d.updatedAt} />
                  </td>
                  <td>
                    {canRetry && d.status === 'failed' ? (
                      <button type="button" className="button" onClick={() => void retry(d.id)}>
                        Retry
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {state.loading ? <Loading /> : null}
      {next && !state.loading ? (
        <button type="button" className="button" onClick={() => void load(next)}>
          More
        </button>
      ) : null}
    </>
  );
}
