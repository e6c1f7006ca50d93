/** Ingestion warnings, newest first: filter by kind, follow the cursor for older ones. */
import { useEffect, useState } from 'react';
import type { ApiFailure } from '../api-client.ts';
import type { Warning } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { link, navigate } from '../router.ts';
import { Empty, ErrorBox, Loading, Time } from '../ui/states.tsx';

const KINDS = ['rejected_event', 'identifier_refused', 'merge_cap', 'identifier_cap', 'no_identity'];
const PAGE_SIZE = 50;

/** The warnings page (the kind filter lives in the URL). */
export function WarningsPage({ kind }: { kind: string }) {
  const { api, sourceName } = useKin();
  const [state, setState] = useState<{ rows: Warning[]; next: string | null; loading: boolean; error?: ApiFailure }>({ rows: [], next: null, loading: true });
  const load = async (cursor: string | undefined) => {
    setState((s) => ({ ...(cursor ? s : { rows: [], next: null }), loading: true }));
    const r = await api.warnings({ limit: PAGE_SIZE, ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) });
    setState((s) => (r.ok ? { rows: [...(cursor ? s.rows : []), ...r.data.data], next: r.data.cursor.hasMore ? r.data.cursor.next : null, loading: false } : { ...s, loading: false, error: r.error }));
  };
  useEffect(() => {
    void load(undefined);
  }, [kind]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <section className="page">
      <div className="page-head">
        <h1>Ingestion warnings</h1>
        <label className="filters">
          Kind{' '}
          <select name="kind" value={kind} onChange={(e) => navigate({ name: 'warnings', kind: e.target.value })}>
            <option value="">all</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      {state.error ? <ErrorBox error={state.error} onRetry={() => void load(undefined)} /> : null}
      {!state.loading && !state.error && state.rows.length === 0 ? <Empty>No warnings{kind ? ` of kind ${kind}` : ''}. Every event was accepted as sent.</Empty> : null}
      {state.rows.length > 0 ? (
        <div className="card">
          <table className="table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Kind</th>
                <th>Message</th>
                <th className="hide-narrow">Source</th>
                <th>Profile</th>
              </tr>
            </thead>
            <tbody>
              {state.rows.map((w) => (
                <tr key={w.id}>
                  <td className="small">
                    <Time iso={w.createdAt} />
                  </td>
                  <td>
                    <span className={w.kind === 'identifier_refused' ? 'tag tag-red' : 'tag'}>{w.kind}</span>
                    {w.code ? <span className="muted small"> {w.code}</span> : null}
                  </td>
                  <td className="wrap">
                    {w.message}
                    {w.field ? <span className="muted small"> ({w.field})</span> : null}
                  </td>
                  <td className="hide-narrow">{w.sourceId ? sourceName(w.sourceId) : '—'}</td>
                  <td>
                    {w.profileId ? (
                      <a className="mono" href={`/profiles/${encodeURIComponent(w.profileId)}`} onClick={link({ name: 'profile', ref: w.profileId })}>
                        {w.profileId.slice(0, 8)}
                      </a>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {state.loading ? <Loading /> : null}
      {!state.loading && state.next ? (
        <button type="button" className="button" onClick={() => void load(state.next ?? undefined)}>
          Load older warnings
        </button>
      ) : null}
    </section>
  );
}
