/**
 * One decision for every open review pair at or above a score, after a confirmation that says how many
 * (a dry run of the same request).
 */
import { useState } from 'react';
import type { ReviewBulkResult } from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { useKin } from '../kin-context.ts';
import { ErrorBox } from '../ui/states.tsx';

/** The bulk decision form; `onDone` reloads the queue. */
export function BulkDecision({ onDone }: { onDone: () => void }) {
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
