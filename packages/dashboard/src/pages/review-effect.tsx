/**
 * What accepting or rejecting a review pair would do, read before deciding: the resolver's dry run of the
 * merge and the absorbed profile's event count.
 */
import type { ReactNode } from 'react';
import type { ProfileActivity, ReviewEffect, ReviewItemView, ReviewProfileSummary } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { CopyId } from '../ui/copy-id.tsx';
import { formatCount } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

/** What accept and reject would do, read before deciding (the resolver's dry run and the absorbed profile's events). */
export function Effect({ item }: { item: ReviewItemView }) {
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

export function acceptText(effect: ReviewEffect, events: string, sideOf: (id: string) => string): ReactNode {
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

/** `word`, or its plural for any count but one. */
export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
