/**
 * Ingestion warnings, newest first: filter by kind, follow the cursor for older ones. Each row says its kind,
 * whom it is about (the person, the refused identifier), how often it happened (the store folds repeats), and one line of
 * advice for its kind.
 */
import { useEffect, useState } from 'react';
import type { ApiFailure } from '../api-client.ts';
import type { WarningWithSubject as Warning } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { hrefOf, link, navigate } from '../router.ts';
import { FilterSelect } from '../ui/filter-select.tsx';
import { Empty, ErrorBox, formatCount, Loading, Time } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { adviceFor } from '../ui/warning-advice.ts';

const KINDS = [
  'rejected_event',
  'identifier_refused',
  'merge_cap',
  'identifier_cap',
  'no_identity',
  'unverified_identity',
  'shared_device',
];
const PAGE_SIZE = 50;

/** The warnings page (the kind filter lives in the URL). */
export function WarningsPage({ kind }: { kind: string }) {
  const { api, sourceName } = useKin();
  const [state, setState] = useState<{ rows: Warning[]; next: string | null; loading: boolean; error?: ApiFailure }>({
    rows: [],
    next: null,
    loading: true,
  });
  const load = async (cursor: string | undefined) => {
    setState((s) => ({ ...(cursor ? s : { rows: [], next: null }), loading: true }));
    const r = await api.warnings({ limit: PAGE_SIZE, ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) });
    setState((s) =>
      r.ok
        ? { rows: [...(cursor ? s.rows : []), ...r.data.data], next: r.data.cursor.hasMore ? r.data.cursor.next : null, loading: false }
        : { ...s, loading: false, error: r.error },
    );
  };
  useEffect(() => {
    void load(undefined);
  }, [kind]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <section className="page">
      <div className="page-head">
        <h1>Ingestion warnings</h1>
        <FilterSelect
          label="Kind"
          name="kind"
          value={kind}
          options={KINDS.map((k) => ({ value: k, label: k }))}
          onChange={(v) => navigate({ name: 'warnings', kind: v })}
        />
      </div>
      {state.error ? <ErrorBox error={state.error} onRetry={() => void load(undefined)} /> : null}
      {!state.loading && !state.error && state.rows.length === 0 ? (
        <Empty>No warnings{kind ? ` of kind ${kind}` : ''}. Every event was accepted as sent.</Empty>
      ) : null}
      {state.rows.length > 0 ? (
        <DataTable columns={['Time', 'What', 'About', { label: 'Source', className: 'hide-narrow' }]} className="warnings">
          {state.rows.map((w) => (
            <tr key={w.id} data-warning-kind={w.kind}>
              <td className="small">
                <Time iso={w.lastSeenAt ?? w.createdAt} />
                {w.count && w.count > 1 ? (
                  <span className="muted">
                    {' '}
                    (first <Time iso={w.createdAt} />)
                  </span>
                ) : null}
              </td>
              <td className="wrap">
                <span className={w.kind === 'identifier_refused' || w.kind === 'rejected_event' ? 'tag tag-red' : 'tag'}>{w.kind}</span>
                {w.count && w.count > 1 ? (
                  <span className="tag" data-count={w.count}>
                    ×{formatCount(w.count)}
                  </span>
                ) : null}
                {w.code ? <span className="muted small"> {w.code}</span> : null} {w.message}
                {w.field ? <span className="muted small"> (field {w.field})</span> : null}
                <div className="muted small advice">{adviceFor(w.kind)}</div>
              </td>
              <td className="wrap">
                {w.subject?.identifier ? (
                  <div className="mono" data-subject-identifier>
                    {w.subject.identifier.type}:{w.subject.identifier.value}
                  </div>
                ) : null}
                {w.profileId ? (
                  <a
                    href={hrefOf({ name: 'profile', ref: w.profileId })}
                    onClick={link({ name: 'profile', ref: w.profileId })}
                    className={w.subject?.profileName ? undefined : 'mono'}
                  >
                    {w.subject?.profileName ?? w.profileId}
                  </a>
                ) : w.messageId ? (
                  <span className="muted small">
                    event <code>{w.messageId}</code>
                  </span>
                ) : (
                  '—'
                )}
              </td>
              <td className="hide-narrow">{w.sourceId ? sourceName(w.sourceId) : '—'}</td>
            </tr>
          ))}
        </DataTable>
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
