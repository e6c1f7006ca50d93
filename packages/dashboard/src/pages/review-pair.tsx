/**
 * One pair of the review queue, side by side: each profile's traits and identifiers, the per-field evidence
 * (weight = log2 Bayes factor), what a decision would do (review-effect.tsx) and the decision buttons.
 */
import type { ReviewItemView, ReviewProfileSummary } from '@kin/core/api/index.ts';
import { hrefOf, link } from '../router.ts';
import { displayName } from '../ui/profile-name.ts';
import { Empty, formatValue } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { Effect } from './review-effect.tsx';

/** The pair under review and its decision buttons. */
export function ReviewPair({
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

export function Side({ label, side }: { label: string; side: ReviewProfileSummary }) {
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

/** A Bayes factor from a log2 weight: ×8 for, ÷4 against. */
function bayesFactor(weight: number): string {
  const factor = 2 ** Math.abs(weight);
  const text = factor >= 100 ? factor.toFixed(0) : factor.toFixed(1);
  return weight < 0 ? `÷${text}` : `×${text}`;
}

/** The pair as one line: "Ann Lee ~ ann@x.io". */
export function pairName(item: ReviewItemView): string {
  const name = (s: ReviewProfileSummary) => (s.missing ? s.id : displayName(s.traits) || s.externalIds[0]?.value || s.id);
  return `${name(item.a)} ~ ${name(item.b)}`;
}
