/**
 * The review queue: pairs of profiles matching was unsure about, one at a time, side by side with the
 * per-field evidence (weight = log2 Bayes factor) and what a decision would do before it is made.
 * Keys: a accept, r reject, s skip, j/k next/previous. Bulk: one decision for every open pair at or above a
 * score, after a confirmation that says how many. The queue loads 200 pairs at a time (the API's cursor):
 * "Load more", or `j` past the last loaded pair, fetches the next 200. Above the queue: what incremental
 * matching did (on or off, pending profiles, the followers' totals; `GET /v1/match/status`), every 5 s.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type {
  MatchStatus,
  ProfileActivity,
  ReviewBulkResult,
  ReviewEffect,
  ReviewItemView,
  ReviewProfileSummary,
} from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { useKin } from '../kin-context.ts';
import { hrefOf, link } from '../router.ts';
import { CopyId } from '../ui/copy-id.tsx';
import { displayName } from '../ui/profile-name.ts';
import { Empty, ErrorBox, formatCount, formatValue, Loading } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { useApi } from '../ui/use-api.ts';

const QUEUE_LIMIT = 200;
const STATUS_REFRESH_MS = 5000;

/** The review page. */
export function ReviewPage() {
  const { api } = useKin();
  const queue = useApi(() => api.reviewQueue({ limit: QUEUE_LIMIT }), 'open');
  const [items, setItems] = useState<ReviewItemView[]>([]);
  const [index, setIndex] = useState(0);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  /** The cursor of the next page (keyset on the queue's order: decisions on loaded pairs do not move it). */
  const [next, setNext] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const loaded = queue.state === 'ready' ? queue.data : undefined;
  useEffect(() => {
    if (!loaded) return;
    setItems(loaded.data);
    setNext(loaded.cursor.hasMore ? loaded.cursor.next : null);
    setIndex(0);
  }, [loaded]);
  const current = items[Math.min(index, items.length - 1)];

  const loadMore = useCallback(async () => {
    if (next === null || loadingMore) return;
    setLoadingMore(true);
    const r = await api.reviewQueue({ limit: QUEUE_LIMIT, cursor: next });
    setLoadingMore(false);
    if (!r.ok) {
      setFailure(r.error);
      return;
    }
    setItems((list) => {
      const seen = new Set(list.map((i) => i.id));
      return [...list, ...r.data.data.filter((i) => !seen.has(i.id))];
    });
    setNext(r.data.cursor.hasMore ? r.data.cursor.next : null);
  }, [api, next, loadingMore]);

  const decide = useCallback(
    async (decision: 'accept' | 'reject') => {
      if (!current || busy) return;
      setBusy(true);
      setFailure(undefined);
      const r = await api.decideReview(current.id, decision);
      setBusy(false);
      if (!r.ok) {
        setFailure(r.error);
        return;
      }
      setNotice(`${decision === 'accept' ? 'Accepted' : 'Rejected'} ${pairName(current)}.`);
      setItems((list) => list.filter((i) => i.id !== current.id));
    },
    [api, busy, current],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target && ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
      const move = (step: number) => setIndex((i) => Math.max(0, Math.min(items.length - 1, i + step)));
      if (e.key === 'a') void decide('accept');
      else if (e.key === 'r') void decide('reject');
      else if ((e.key === 's' || e.key === 'j') && index >= items.length - 1 && next !== null) {
        // Past the last loaded pair: the next page, then the first pair of it.
        // (Not `move`: it closes over the length before the page arrived; the render clamps the index.)
        void loadMore().then(() => setIndex((i) => i + 1));
      } else if (e.key === 's' || e.key === 'j') move(1);
      else if (e.key === 'k') move(-1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [decide, items.length, index, next, loadMore]);

  if (queue.state === 'loading') return <Loading label="Loading the review queue…" />;
  if (queue.state === 'error') return <ErrorBox error={queue.error} onRetry={queue.reload} />;
  return (
    <section className="page review">
      <h1>Review queue</h1>
      <p className="muted small">
        <span data-open-count={items.length}>{formatCount(items.length)}</span> open pair{items.length === 1 ? '' : 's'}
        {next !== null ? ' loaded, more waiting' : ''} · keys: <kbd>a</kbd> accept, <kbd>r</kbd> reject, <kbd>s</kbd> skip, <kbd>j</kbd>/
        <kbd>k</kbd> next/previous
      </p>
      <FollowerTotals />
      {/* reload, not a new key: the page stays mounted, so the bulk result stays on screen. */}
      <BulkDecision onDone={queue.reload} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {failure ? <ErrorBox error={failure} /> : null}
      {current ? (
        <div className="review-grid">
          <ol className="review-list" aria-label="Open pairs">
            {items.map((item, i) => (
              <li key={item.id}>
                <button
                  type="button"
                  className={item.id === current.id ? 'review-pick selected' : 'review-pick'}
                  aria-current={item.id === current.id}
                  onClick={() => setIndex(i)}
                >
                  <span className="mono">{item.probability.toFixed(3)}</span> {pairName(item)}
                </button>
              </li>
            ))}
            {next !== null ? (
              <li>
                <button type="button" className="button" data-load-more disabled={loadingMore} onClick={() => void loadMore()}>
                  {loadingMore ? 'Loading…' : `Load the next ${QUEUE_LIMIT}`}
                </button>
              </li>
            ) : null}
          </ol>
          <ReviewPair
            key={current.id}
            item={current}
            busy={busy}
            onDecide={(d) => void decide(d)}
            onSkip={() => setIndex((i) => Math.min(items.length - 1, i + 1))}
          />
        </div>
      ) : (
        <Empty>Nothing to review: every pair matching was unsure about has been decided.</Empty>
      )}
    </section>
  );
}

function ReviewPair({
  item,
  busy,
  onDecide,
  onSkip,
}: {
  item: ReviewItemView;
  busy: boolean;
  onDecide: (d: 'accept' | 'reject') => void;
  onSkip: () => void;
}) {
  return (
    <article className="card review-pair" data-review-id={item.id}>
      <h2>
        Score <span data-probability>{item.probability.toFixed(3)}</span> <span className="tag">{item.reason}</span>
      </h2>
      <div className="review-sides">
        <Side label="A" side={item.a} />
        <Side label="B" side={item.b} />
      </div>
      <h3>Evidence</h3>
      <DataTable columns={['Field', 'Level', 'Weight (log₂)', 'Bayes factor']} className="compact evidence" card={false}>
        {item.evidence.map((e) => (
          <tr key={e.field} data-evidence={e.field} className={e.weight < 0 ? 'against' : 'for'}>
            <td className="mono">{e.field}</td>
            <td>{e.level}</td>
            <td className="mono">{e.weight.toFixed(2)}</td>
            <td className="mono">{bayesFactor(e.weight)}</td>
          </tr>
        ))}
      </DataTable>
      <Effect item={item} />
      <div className="review-actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => onDecide('accept')}>
          Accept (a)
        </button>
        <button type="button" className="button button-danger" disabled={busy} onClick={() => onDecide('reject')}>
          Reject (r)
        </button>
        <button type="button" className="button" disabled={busy} onClick={onSkip}>
          Skip (s)
        </button>
      </div>
    </article>
  );
}

function Side({ label, side }: { label: string; side: ReviewProfileSummary }) {
  if (side.missing) {
    return (
      <div className="review-side">
        <h3>{label}</h3>
        <Empty>Profile {side.id} no longer exists.</Empty>
      </div>
    );
  }
  const traits = Object.entries(side.traits).sort(([x], [y]) => x.localeCompare(y));
  return (
    <div className="review-side" data-side={label}>
      <h3>
        {label}:{' '}
        <a href={hrefOf({ name: 'profile', ref: side.id })} onClick={link({ name: 'profile', ref: side.id })}>
          {displayName(side.traits) || 'Unnamed profile'}
        </a>
      </h3>
      <dl className="review-traits">
        {traits.map(([key, value]) => (
          <div key={key}>
            <dt className="mono">{key}</dt>
            <dd className="wrap">{formatValue(value)}</dd>
          </div>
        ))}
      </dl>
      <ul className="id-list">
        {side.externalIds.map((x) => (
          <li key={`${x.type}:${x.value}`} className="mono wrap">
            {x.type}:{x.value}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What accept and reject would do, read before deciding (the resolver's dry run and the absorbed profile's events). */
function Effect({ item }: { item: ReviewItemView }) {
  const { api } = useKin();
  const effect = useApi(() => api.reviewEffect(item.id), item.id);
  const absorbed = effect.state === 'ready' && effect.data.kind === 'merge' ? effect.data.absorbed.id : '';
  const events = useApi<ProfileActivity | undefined>(
    async () => (absorbed ? api.summary(absorbed) : { ok: true as const, data: undefined }),
    absorbed,
  );
  const ids = (s: ReviewProfileSummary) => (s.missing ? 0 : s.externalIds.length);
  const eventCount =
    events.state === 'ready' && events.data
      ? `${formatCount(events.data.events)}${events.data.truncated ? '+' : ''}`
      : events.state === 'error'
        ? `? (${events.error.message})`
        : '…';
  return (
    <div className="review-effect" data-effect={effect.state === 'ready' ? effect.data.kind : 'loading'}>
      <p>
        <strong>Accept:</strong>{' '}
        {effect.state === 'ready'
          ? acceptText(effect.data, eventCount, (id) => (id === item.a.id ? 'A' : id === item.b.id ? 'B' : ''))
          : effect.state === 'error'
            ? effect.error.message
            : '…'}
      </p>
      <p>
        <strong>Reject:</strong> keeps the two apart for good: a do-not-link rule between A's {ids(item.a)} and B's {ids(item.b)}{' '}
        identifiers; matching never proposes this pair again.
      </p>
      <p className="muted small">
        <strong>Skip:</strong> leaves the pair open and moves on.
      </p>
    </div>
  );
}

function acceptText(effect: ReviewEffect, events: string, sideOf: (id: string) => string): ReactNode {
  switch (effect.kind) {
    case 'merge':
      return (
        <>
          merges {sideOf(effect.absorbed.id)} <CopyId id={effect.absorbed.id} /> (
          <span data-effect-identifiers>{effect.absorbed.identifiers}</span> {plural(effect.absorbed.identifiers, 'identifier')},{' '}
          <span data-effect-events>{events}</span> events) into {sideOf(effect.survivor.id)} <CopyId id={effect.survivor.id} /> (
          {effect.survivor.identifiers} {plural(effect.survivor.identifiers, 'identifier')}). An undo on the profile page reverts it.
        </>
      );
    case 'same':
      return 'nothing to merge: the two are one profile already.';
    case 'refused':
      return `the identity policy refuses this merge (${effect.reason}); accepting fails, reject or skip it.`;
    case 'missing':
      return 'one of the profiles no longer exists.';
  }
}

function BulkDecision({ onDone }: { onDone: () => void }) {
  const { api } = useKin();
  const [decision, setDecision] = useState<'accept' | 'reject'>('accept');
  const [score, setScore] = useState('0.9');
  const [pending, setPending] = useState<number | undefined>();
  const [result, setResult] = useState<ReviewBulkResult | undefined>();
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const minProbability = Number(score);
  const valid = score !== '' && minProbability >= 0 && minProbability <= 1;
  const run = async (dryRun: boolean) => {
    setFailure(undefined);
    const r = await api.decideReviewBulk({ decision, minProbability, dryRun });
    if (!r.ok) return setFailure(r.error);
    if (dryRun) return setPending(r.data.matched);
    setPending(undefined);
    setResult(r.data);
    onDone();
  };
  return (
    <form
      className="card review-bulk"
      aria-label="Bulk decision"
      onSubmit={(e) => {
        e.preventDefault();
        setResult(undefined);
        void run(true);
      }}
    >
      <label>
        Decide{' '}
        <select name="decision" value={decision} onChange={(e) => setDecision(e.target.value === 'reject' ? 'reject' : 'accept')}>
          <option value="accept">accept</option>
          <option value="reject">reject</option>
        </select>
      </label>{' '}
      <label>
        every open pair with score ≥{' '}
        <input name="minProbability" type="number" min="0" max="1" step="0.01" value={score} onChange={(e) => setScore(e.target.value)} />
      </label>{' '}
      <button type="submit" className="button" disabled={!valid}>
        Review count…
      </button>
      {pending !== undefined ? (
        <div className="confirm" role="alertdialog" aria-label="Confirm bulk decision">
          <p data-bulk-count={pending}>
            {pending === 0
              ? `No open pair has a score of ${minProbability} or more.`
              : `${decision === 'accept' ? 'Accept' : 'Reject'} ${pending} open pair${pending === 1 ? '' : 's'} with score ≥ ${minProbability}?`}
          </p>
          {pending > 0 ? (
            <button type="button" className="button button-primary" onClick={() => void run(false)}>
              {decision === 'accept' ? 'Accept' : 'Reject'} {pending}
            </button>
          ) : null}{' '}
          <button type="button" className="button" onClick={() => setPending(undefined)}>
            Cancel
          </button>
        </div>
      ) : null}
      {result ? (
        <p role="status" data-bulk-decided={result.decided}>
          Decided {result.decided} of {result.matched}
          {result.refused.length > 0 ? `; the identity policy refused ${result.refused.length} (still open)` : ''}.
        </p>
      ) : null}
      {failure ? <ErrorBox error={failure} /> : null}
    </form>
  );
}

/** What incremental matching did: the store's totals over every follower and restart (as `kin match status`). */
function FollowerTotals() {
  const { api } = useKin();
  const status = useApi(() => api.matchStatus(), 'match-status');
  const { reload } = status;
  useEffect(() => {
    const timer = window.setInterval(reload, STATUS_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);
  if (status.state === 'loading') return null;
  if (status.state === 'error') return <ErrorBox error={status.error} onRetry={reload} />;
  const s: MatchStatus = status.data;
  const count = (outcome: keyof MatchStatus['totals'], text: string) => (
    <>
      <span className="mono" data-match-total={outcome}>
        {formatCount(s.totals[outcome])}
      </span>{' '}
      {text}
    </>
  );
  return (
    <p className="card match-status small" aria-label="Incremental matching" data-incremental={s.incremental ? 'on' : 'off'}>
      <strong>Incremental matching {s.incremental ? 'on' : 'off'}</strong>
      {s.incremental
        ? ` (links at p ≥ ${s.linkThreshold}, review at p ≥ ${s.reviewThreshold})`
        : ' (kin match run links stored profiles)'}:{' '}
      <span className="mono" data-match-pending={s.pending}>
        {formatCount(s.pending)}
      </span>{' '}
      waiting · {count('matched', 'matched')}, {count('merged', plural(s.totals.merged, 'merge'))}, {count('queued', 'sent to review')},{' '}
      {count('refused', 'refused by the identity policy')}, {count('skipped', 'settled without matching')}
    </p>
  );
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** A Bayes factor from a log2 weight: ×8 for, ÷4 against. */
function bayesFactor(weight: number): string {
  const factor = 2 ** Math.abs(weight);
  const text = factor >= 100 ? factor.toFixed(0) : factor.toFixed(1);
  return weight < 0 ? `÷${text}` : `×${text}`;
}

function pairName(item: ReviewItemView): string {
  const name = (s: ReviewProfileSummary) => (s.missing ? s.id : displayName(s.traits) || s.externalIds[0]?.value || s.id);
  return `${name(item.a)} ~ ${name(item.b)}`;
}
