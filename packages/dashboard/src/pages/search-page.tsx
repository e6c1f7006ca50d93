/** Search: profiles by any identifier or trait value (raw, or normalised as on ingestion). */
import { link } from '../router.ts';
import { useKin } from '../kin-context.ts';
import { Empty, ErrorBox, formatValue, Loading } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

/** The search page (the query comes from the URL). */
export function SearchPage({ q }: { q: string }) {
  if (!q) {
    return (
      <section className="page">
        <h1>Profiles</h1>
        <Empty>
          Search by email, phone, user id, anonymous id, device id, social handle (<code>@ann</code>), CRM id or any trait value. Use{' '}
          <code>type:value</code> to search one identifier type.
        </Empty>
      </section>
    );
  }
  return <Results q={q} />;
}

function Results({ q }: { q: string }) {
  const { api } = useKin();
  const results = useApi(() => api.search(q), q);
  return (
    <section className="page">
      <h1>
        Profiles matching <q>{q}</q>
      </h1>
      {results.state === 'loading' ? <Loading label="Searching…" /> : null}
      {results.state === 'error' ? <ErrorBox error={results.error} onRetry={results.reload} /> : null}
      {results.state === 'ready' && results.data.data.length === 0 ? <Empty>No profile has this identifier or trait value.</Empty> : null}
      {results.state === 'ready' && results.data.data.length > 0 ? (
        <ul className="results">
          {results.data.data.map((m) => {
            const name = [m.traits['firstName'], m.traits['lastName']].filter((x) => typeof x === 'string').join(' ') || formatValue(m.traits['name'] ?? '');
            const email = m.externalIds.find((e) => e.type === 'email')?.value;
            return (
              <li key={m.id} className="card result">
                <a href={`/profiles/${encodeURIComponent(m.id)}`} onClick={link({ name: 'profile', ref: m.id })} className="result-link">
                  <strong>{name || email || m.id}</strong>
                  <span className="muted">{email && name ? email : m.id}</span>
                </a>
                <span className="tag">matched {m.matchedOn}</span>
                <span className="muted small">
                  {m.externalIds.length} identifiers: {summarize(m.externalIds)}
                </span>
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}

function summarize(ids: Array<{ type: string }>): string {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id.type, (counts.get(id.type) ?? 0) + 1);
  return [...counts].map(([type, n]) => (n > 1 ? `${type} ×${n}` : type)).join(', ');
}
