/**
 * The review queue: pairs of profiles matching was unsure about, one at a time, side by side with the
 * per-field evidence (weight = log2 Bayes factor) and what a decision would do before it is made.
 * Keys: a accept, r reject, s skip, j/k next/previous. Bulk: one decision for every open pair at or above a
 * score, after a confirmation that says how many. The queue loads 200 pairs at a time (the API's cursor):
 * "Load more", or `j` past the last loaded pair, fetches the next 200. Above the queue: what incremental
 * matching did (review-follower-totals.tsx).
 *
 * The pair itself is review-pair.tsx, its effect review-effect.tsx, the bulk form review-bulk-decision.tsx.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ReviewItemView } from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { useKin } from '../kin-context.ts';
import { Empty, ErrorBox, formatCount, Loading } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { BulkDecision } from './review-bulk-decision.tsx';
import { FollowerTotals } from './review-follower-totals.tsx';
import { pairName, ReviewPair } from './review-pair.tsx';

const QUEUE_LIMIT = 200;

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
      {/* reload, not a new key: the page stays mounted, so the bulk result stays on screen. */}
      <FollowerTotals />
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
