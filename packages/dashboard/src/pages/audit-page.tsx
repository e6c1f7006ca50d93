/**
 * The audit log (audit:read): entries oldest first with seq, time, actor, action, target and hash; filters by
 * actor, action and a start time (kept in the URL, so a filtered view can be shared); pages by the API's
 * cursor; and whether the hash chain verifies (`GET /v1/audit/verify`, the check `kin audit verify` makes).
 */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { AuditVerification } from '@kin/core/api/access-api.ts';
import { navigate } from '../router.ts';
import { useKin } from '../kin-context.ts';
import { Empty, ErrorBox, Loading, Time } from '../ui/states.tsx';
import type { Load } from '../ui/use-api.ts';
import { useApi } from '../ui/use-api.ts';

const PAGE = 50;

/** The audit page for these filters (each empty when unset; `since` is ISO 8601). Keyed by them, so a new filter starts at the first page. */
export function AuditPage({ actor, action, since }: { actor: string; action: string; since: string }) {
  const { api } = useKin();
  // Cursors of the pages after the first that were opened: Back pops one.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const page = useApi(
    () =>
      api.audit({
        limit: PAGE,
        ...(actor ? { actor } : {}),
        ...(action ? { action } : {}),
        ...(since ? { since } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    cursor ?? 'first',
  );
  const chain = useApi(() => api.auditVerify(), 'verify');

  return (
    <section className="page">
      <div className="page-head">
        <h1>Audit log</h1>
        <ChainStatus chain={chain} />
      </div>
      <p className="muted small">
        Every admin write and export, oldest first, each entry chained to the one before by its hash. Values of identifiers appear only as
        keyed hashes.
      </p>
      <AuditFilters actor={actor} action={action} since={since} />
      {page.state === 'loading' ? <Loading /> : null}
      {page.state === 'error' ? <ErrorBox error={page.error} onRetry={page.reload} /> : null}
      {page.state === 'ready' && page.data.data.length === 0 ? (
        <Empty>No entries{actor || action || since ? ' match these filters' : ' yet'}.</Empty>
      ) : null}
      {page.state === 'ready' && page.data.data.length > 0 ? (
        <div className="card table-wrap">
          <table className="table audit">
            <thead>
              <tr>
                <th className="num">Seq</th>
                <th>At</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Hash</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((e) => (
                <tr key={e.seq} data-seq={e.seq}>
                  <td className="num">{e.seq}</td>
                  <td>
                    <Time iso={e.at} />
                  </td>
                  <td>
                    {e.actor.name}
                    <div className="muted small">
                      <code>{e.actor.id}</code>
                    </div>
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td className="wrap">
                    <code>{e.target}</code>
                    <div className="muted small" title="request id">
                      {e.requestId}
                    </div>
                  </td>
                  <td title={`hash ${e.hash}\nprevious ${e.prevHash}\nchange ${e.changeHash}`}>
                    <code data-hash={e.hash}>{e.hash.slice(0, 12)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            {cursors.length > 0 ? (
              <button type="button" className="button" onClick={() => setCursors((c) => c.slice(0, -1))}>
                Back
              </button>
            ) : null}
            {page.data.cursor.hasMore && page.data.cursor.next ? (
              <button type="button" className="button" onClick={() => setCursors((c) => [...c, page.data.cursor.next!])}>
                Newer entries
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}

/** Whether the chain holds: intact with its entry count, or broken at a seq with the reason. */
function ChainStatus({ chain }: { chain: Load<AuditVerification> & { reload: () => void } }) {
  if (chain.state === 'loading') return <span className="muted small">Verifying the chain…</span>;
  if (chain.state === 'error') return <span className="tag tag-red">chain not verified: {chain.error.message}</span>;
  const v = chain.data;
  return (
    <span className={v.ok ? 'tag' : 'tag tag-red'} data-chain={v.ok ? 'ok' : 'broken'} role="status">
      {v.ok ? `chain verified: ${v.entries} entries intact` : `chain broken at seq ${v.seq}: ${v.reason}`}
      <button type="button" className="button-link" onClick={chain.reload}>
        {' '}
        verify again
      </button>
    </span>
  );
}

/** The filter form; applying it changes the URL. `since` is entered in local time and sent as ISO 8601. */
function AuditFilters({ actor, action, since }: { actor: string; action: string; since: string }) {
  const [a, setA] = useState(actor);
  const [act, setAct] = useState(action);
  const [s, setS] = useState(since ? toLocalInput(since) : '');
  useEffect(() => {
    setA(actor);
    setAct(action);
    setS(since ? toLocalInput(since) : '');
  }, [actor, action, since]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate({ name: 'audit', actor: a.trim(), action: act.trim(), since: s ? new Date(s).toISOString() : '' });
  };
  return (
    <form className="card inline-form audit-filters" aria-label="Filter the audit log" onSubmit={submit}>
      <label htmlFor="audit-actor">Actor</label>
      <input id="audit-actor" value={a} onChange={(e) => setA(e.target.value)} placeholder="token id, e.g. tok_… or admin" />
      <label htmlFor="audit-action">Action</label>
      <input id="audit-action" value={act} onChange={(e) => setAct(e.target.value)} placeholder="e.g. tokens.create" />
      <label htmlFor="audit-since">Since</label>
      <input id="audit-since" type="datetime-local" value={s} onChange={(e) => setS(e.target.value)} />
      <button type="submit" className="button button-primary">
        Filter
      </button>
      {actor || action || since ? (
        <button type="button" className="button button-quiet" onClick={() => navigate({ name: 'audit', actor: '', action: '', since: '' })}>
          Clear
        </button>
      ) : null}
    </form>
  );
}

/** An ISO time as a `datetime-local` value in the browser's time zone. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
