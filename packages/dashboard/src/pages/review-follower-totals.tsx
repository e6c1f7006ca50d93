/**
 * Above the review queue: what incremental matching did (on or off, pending profiles, the followers' totals over
 * every follower and restart, as `kin match status`; `GET /v1/match/status`), refreshed every 5 s.
 */
import { useEffect } from 'react';
import type { MatchStatus } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { ErrorBox, formatCount } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { plural } from './review-effect.tsx';

const STATUS_REFRESH_MS = 5000;

/** The incremental matcher's status and totals. */
export function FollowerTotals() {
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
