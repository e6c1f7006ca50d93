/** Sources: events and last event per source, create (the new write key is shown once), revoke (both with config:write). */
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ApiFailure } from '../api-client.ts';
import { holds, useKin } from '../kin-context.ts';
import { ErrorBox, formatCount, Loaded, Time } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { useApi } from '../ui/use-api.ts';
import { SecretOnce } from '../ui/secret-once.tsx';

/** The sources page. */
export function SourcesPage() {
  const { api, refreshSources, self } = useKin();
  const canWrite = holds(self, 'config:write');
  // The overview carries each source's activity; it is the same list as /v1/sources, joined.
  const overview = useApi(() => api.overview(), 'sources');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; writeKey: string } | undefined>();
  const [error, setError] = useState<ApiFailure | undefined>();
  const [busy, setBusy] = useState(false);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await api.createSource(name.trim());
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setCreated({ name: r.data.source.name, writeKey: r.data.writeKey });
    setName('');
    overview.reload();
    refreshSources();
  };
  const revoke = async (sourceName: string) => {
    if (!window.confirm(`Revoke the write key of "${sourceName}"? Its SDKs will be refused from now on.`)) return;
    const r = await api.revokeSource(sourceName);
    if (!r.ok) return setError(r.error);
    overview.reload();
    refreshSources();
  };

  return (
    <section className="page">
      <h1>Sources</h1>
      {canWrite ? (
        <form className="card inline-form" onSubmit={(e) => void create(e)}>
          <label htmlFor="source-name">New source</label>
          <input
            id="source-name"
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. web, ios, crm"
            pattern="[A-Za-z0-9_.\-]{1,64}"
            required
          />
          <button type="submit" className="button button-primary" disabled={busy}>
            Create
          </button>
        </form>
      ) : null}
      {created ? (
        <SecretOnce
          title={`Write key for “${created.name}”`}
          secret={created.writeKey}
          marker="write-key"
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      <Loaded load={overview} isEmpty={(data) => data.sources.length === 0} empty="No sources yet.">
        {(data) => (
          <DataTable
            columns={['Name', { label: 'Events', className: 'num' }, 'Last event', { label: 'Created', className: 'hide-narrow' }, '']}
          >
            {[...data.sources]
              .sort((a, b) => a.name.localeCompare(b.name) || a.createdAt.localeCompare(b.createdAt))
              .map((s) => (
                <tr key={s.id} className={s.revokedAt ? 'revoked' : undefined}>
                  <td>
                    {s.name} {s.revokedAt ? <span className="tag">revoked</span> : null}
                  </td>
                  <td className="num">{formatCount(s.events ?? 0)}</td>
                  <td>
                    <Time iso={s.lastEventAt} />
                  </td>
                  <td className="hide-narrow">
                    <Time iso={s.createdAt} />
                  </td>
                  <td>
                    {s.revokedAt || !canWrite ? null : (
                      <button type="button" className="button button-danger" onClick={() => void revoke(s.name)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
          </DataTable>
        )}
      </Loaded>
    </section>
  );
}
