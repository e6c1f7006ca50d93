/**
 * Profiles: with a query, the matches (identifier or trait values, then names) with their count and pages of
 * 20; without one, every profile, newest or oldest first. The hints name real values of this install (names,
 * an email and a handle of the newest profiles), so trying one always finds something.
 */
import type { ProfileListRow, ProfileMatch } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import type { Route } from '../router.ts';
import { hrefOf, link, navigate } from '../router.ts';
import { Empty, ErrorBox, formatCount, Loading, Time } from '../ui/states.tsx';
import { displayName } from '../ui/profile-name.ts';
import { useApi } from '../ui/use-api.ts';

const PAGE_SIZE = 20;

/** The search page (query, page and order come from the URL). */
export function SearchPage({ q, page = 1, order = 'newest' }: { q: string; page?: number; order?: 'newest' | 'oldest' }) {
  return q ? <Results q={q} page={page} /> : <AllProfiles page={page} order={order} />;
}

function Results({ q, page }: { q: string; page: number }) {
  const { api } = useKin();
  const offset = (page - 1) * PAGE_SIZE;
  const results = useApi(() => api.search(q, { limit: PAGE_SIZE, offset }), `${q}\u0000${offset}`);
  return (
    <section className="page">
      <h1>
        Profiles matching <q>{q}</q>
      </h1>
      {results.state === 'loading' ? <Loading label="Searching…" /> : null}
      {results.state === 'error' ? <ErrorBox error={results.error} onRetry={results.reload} /> : null}
      {results.state === 'ready' ? (
        <>
          <p className="muted" data-result-count={results.data.total}>
            {results.data.total === 0
              ? 'No profile has this identifier, trait value or name.'
              : `${formatCount(results.data.total)}${results.data.totalCapped ? '+' : ''} ${results.data.total === 1 ? 'profile' : 'profiles'}`}
            {results.data.total > 0 ? ` · showing ${offset + 1}–${offset + results.data.data.length}` : ''}
          </p>
          {results.data.total === 0 ? <Hints /> : null}
          <ul className="results">
            {results.data.data.map((m) => (
              <ResultRow key={m.id} row={m} />
            ))}
          </ul>
          <Pager page={page} total={results.data.total} route={(p) => ({ name: 'search', q, page: p })} />
        </>
      ) : null}
    </section>
  );
}

function AllProfiles({ page, order }: { page: number; order: 'newest' | 'oldest' }) {
  const { api } = useKin();
  const offset = (page - 1) * PAGE_SIZE;
  const list = useApi(() => api.profiles({ order, limit: PAGE_SIZE, offset }), `${order}\u0000${offset}`);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Profiles</h1>
        <label className="filters">
          Sort{' '}
          <select
            name="order"
            value={order}
            onChange={(e) => navigate({ name: 'search', q: '', order: e.target.value === 'oldest' ? 'oldest' : 'newest' })}
          >
            <option value="newest">newest first</option>
            <option value="oldest">oldest first</option>
          </select>
        </label>
      </div>
      <Hints />
      {list.state === 'loading' ? <Loading /> : null}
      {list.state === 'error' ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.state === 'ready' && list.data.total === 0 ? (
        <Empty>No profiles yet: they appear with the first identified event.</Empty>
      ) : null}
      {list.state === 'ready' && list.data.total > 0 ? (
        <>
          <p className="muted" data-result-count={list.data.total}>
            {formatCount(list.data.total)} profiles · showing {offset + 1}–{offset + list.data.data.length}
          </p>
          <ul className="results">
            {list.data.data.map((row) => (
              <ResultRow key={row.id} row={row} />
            ))}
          </ul>
          <Pager page={page} total={list.data.total} route={(p) => ({ name: 'search', q: '', page: p, order })} />
        </>
      ) : null}
    </section>
  );
}

/** Examples taken from the newest profiles, so each one finds something here. */
function Hints() {
  const { api } = useKin();
  const newest = useApi(() => api.profiles({ order: 'newest', limit: 10, offset: 0 }), 'hint');
  const rows = newest.state === 'ready' ? newest.data.data : [];
  const text = (row: ProfileListRow, key: string) =>
    typeof row.traits[key] === 'string' && row.traits[key] ? (row.traits[key] as string) : undefined;
  const named = rows.find((row) => text(row, 'firstName'));
  const fullNamed = rows.find((row) => text(row, 'firstName') && text(row, 'lastName'));
  const email = rows.flatMap((row) => row.externalIds).find((e) => e.type === 'email')?.value;
  const handle = rows.flatMap((row) => row.externalIds).find((e) => e.type === 'twitter' || e.type === 'instagram')?.value;
  const examples = [
    ...new Set(
      [
        named ? text(named, 'firstName')?.toLowerCase() : undefined,
        fullNamed ? `${text(fullNamed, 'firstName')} ${text(fullNamed, 'lastName')}` : undefined,
        email,
        handle ? `@${handle}` : undefined,
      ].filter((x): x is string => x !== undefined),
    ),
  ];
  return (
    <p className="muted small hints">
      Search by name (any part, any case), email, phone, user id, device id, social handle, CRM id or a trait value; <code>type:value</code>{' '}
      searches one identifier type.
      {examples.length > 0 ? ' Try ' : null}
      {examples.map((example, i) => (
        <span key={example}>
          {i > 0 ? ', ' : null}
          <a href={hrefOf({ name: 'search', q: example })} onClick={link({ name: 'search', q: example })} data-hint>
            {example}
          </a>
        </span>
      ))}
      {examples.length > 0 ? '.' : null}
    </p>
  );
}

function ResultRow({ row }: { row: ProfileMatch | ProfileListRow }) {
  const name = displayName(row.traits);
  const email = row.externalIds.find((e) => e.type === 'email')?.value;
  return (
    <li className="card result">
      <a href={hrefOf({ name: 'profile', ref: row.id })} onClick={link({ name: 'profile', ref: row.id })} className="result-link">
        <strong>{name || email || row.id}</strong>
        <span className="muted">{email && name ? email : row.id}</span>
      </a>
      {'matchedOn' in row ? <span className="tag">matched {row.matchedOn}</span> : null}
      {'createdAt' in row ? (
        <span className="muted small">
          created <Time iso={row.createdAt} />
        </span>
      ) : null}
      <span className="muted small">
        {row.externalIds.length} identifiers: {summarize(row.externalIds)}
      </span>
    </li>
  );
}

function Pager({ page, total, route }: { page: number; total: number; route: (page: number) => Route }) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages <= 1) return null;
  const go = (p: number) => (
    <a className="button" href={hrefOf(route(p))} onClick={link(route(p))} rel={p < page ? 'prev' : 'next'}>
      {p < page ? '← Previous' : 'Next →'}
    </a>
  );
  return (
    <nav className="pager" aria-label="Pages">
      {page > 1 ? go(page - 1) : null}
      <span className="muted">
        page {page} of {formatCount(pages)}
      </span>
      {page < pages ? go(page + 1) : null}
    </nav>
  );
}

function summarize(ids: Array<{ type: string }>): string {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id.type, (counts.get(id.type) ?? 0) + 1);
  return [...counts].map(([type, n]) => (n > 1 ? `${type} ×${n}` : type)).join(', ');
}
