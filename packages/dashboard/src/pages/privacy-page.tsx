/**
 * Privacy requests and their progress: type, subject, status overall, in the store and per destination, and
 * the export's download once it completed. Polls while a request is pending or running.
 */
import { useEffect, useState } from 'react';
import type { PrivacyRequest, PrivacyStatus } from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { useKin } from '../kin-context.ts';
import { recognisableRef } from '../privacy-confirm.ts';
import { hrefOf, link } from '../router.ts';
import { ErrorBox, Loaded, Time } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { useApi } from '../ui/use-api.ts';

const POLL_MS = 2000;
const PAGE = 50;

/** The privacy page. */
export function PrivacyPage() {
  const { api } = useKin();
  const [cursor, setCursor] = useState<string | undefined>();
  const list = useApi(() => api.privacyRequests({ limit: PAGE, ...(cursor ? { cursor } : {}) }), cursor ?? 'first');
  const [error, setError] = useState<ApiFailure | undefined>();
  const working = list.state === 'ready' && list.data.data.some((r) => r.status === 'pending' || r.status === 'running');
  const { reload } = list;
  useEffect(() => {
    if (!working) return;
    const timer = window.setInterval(reload, POLL_MS);
    return () => window.clearInterval(timer);
  }, [working, reload]);

  const download = async (request: PrivacyRequest) => {
    const r = await api.privacyExport(request.id);
    if (!r.ok) return setError(r.error);
    setError(undefined);
    const url = URL.createObjectURL(new Blob([JSON.stringify(r.data, null, 2)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `kin-export-${request.id}.json`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <section className="page">
      <div className="page-head">
        <h1>Privacy requests</h1>
        {working ? (
          <span className="live">
            <span className="live-dot" aria-hidden="true" /> updating
          </span>
        ) : null}
      </div>
      <p className="muted small">Delete, suppress and export requests, newest first. Start one from a profile’s Privacy card.</p>
      {error ? <ErrorBox error={error} /> : null}
      <Loaded load={list} isEmpty={(page) => page.data.length === 0} empty="No privacy requests yet.">
        {(page) => (
          <div className="card">
            <DataTable
              columns={[
                'Requested',
                'Type',
                'Subject',
                'Status',
                { label: 'Store', className: 'hide-narrow' },
                { label: 'Destinations', className: 'hide-narrow' },
                'Completed',
                '',
              ]}
              className="privacy-requests"
              card={false}
            >
              {page.data.map((r) => (
                <tr key={r.id} data-request={r.id}>
                  <td>
                    <Time iso={r.createdAt} />
                    {r.requestedBy ? <div className="muted small">{r.requestedBy}</div> : null}
                  </td>
                  <td>{r.type.replace(/_/g, ' ')}</td>
                  <td>
                    <Subject request={r} />
                  </td>
                  <td>
                    <StatusTag status={r.status} />
                  </td>
                  <td className="hide-narrow">
                    <StatusTag status={r.store.status} />
                    {r.store.error ? <div className="muted small">{r.store.error}</div> : null}
                  </td>
                  <td className="hide-narrow">
                    {r.destinations.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      r.destinations.map((d) => (
                        <StatusTag key={d.destinationId} status={d.status} label={`${d.destinationId}: ${d.status}`} />
                      ))
                    )}
                  </td>
                  <td>
                    <Time iso={r.completedAt} />
                  </td>
                  <td>
                    {r.type === 'export' && r.status === 'completed' ? (
                      <button type="button" className="button" onClick={() => void download(r)}>
                        Download
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </DataTable>
            {page.cursor.hasMore && page.cursor.next ? (
              <div className="pager">
                <button type="button" className="button" onClick={() => setCursor(page.cursor.next ?? undefined)}>
                  Older requests
                </button>
              </div>
            ) : null}
          </div>
        )}
      </Loaded>
    </section>
  );
}

function Subject({ request }: { request: PrivacyRequest }) {
  const { profileId, identifiers } = request.subject;
  // A completed delete keeps no plain identifier (only keyed hashes, never shown), and its profile is gone.
  if ((request.type === 'delete' || request.type === 'suppress_with_delete') && request.status === 'completed') {
    const count = request.store.outcome?.identifiers ?? identifiers.length;
    return (
      <span>
        deleted person{' '}
        <span className="muted small">
          · {count} identifier{count === 1 ? '' : 's'} tombstoned
        </span>
      </span>
    );
  }
  const shown = recognisableRef(identifiers) ?? profileId ?? '—';
  return (
    <>
      {profileId ? (
        <a href={hrefOf({ name: 'profile', ref: profileId })} onClick={link({ name: 'profile', ref: profileId })}>
          {shown}
        </a>
      ) : (
        <span>{shown}</span>
      )}
      {identifiers.length > 1 ? <span className="muted small"> +{identifiers.length - 1} identifiers</span> : null}
    </>
  );
}

function StatusTag({ status, label }: { status: PrivacyStatus; label?: string }) {
  const bad = status === 'failed' || status === 'partial';
  return (
    <span className={bad ? 'tag tag-red' : 'tag'} data-status={status}>
      {label ?? status}
    </span>
  );
}
