/**
 * Undo a merge and split a profile from the profile page. Each asks first and shows what will move: the
 * identifiers that leave (with their events, replayed onto the profile they end up on) and those that stay.
 * Both add a do-not-link rule, so no later event joins the two sides again (see docs/identity.md). Shown
 * only to tokens holding profiles:write.
 */
import { useState } from 'react';
import type { ExternalId, Merge } from '@kin/core/api/index.ts';
import type { Separation } from '@kin/core/api/index.ts';
import type { ApiFailure, ApiResult } from '../api-client.ts';
import { holds, useKin } from '../kin-context.ts';
import { hrefOf, link } from '../router.ts';
import { ErrorBox } from '../ui/states.tsx';

type Key = { type: string; value: string };
const keyOf = (i: Key) => `${i.type}:${i.value}`;

/** The undo button of one merge, with its confirmation. */
export function UndoMerge({ merge, onChanged }: { merge: Merge; onChanged: () => void }) {
  const { api, self } = useKin();
  if (!holds(self, 'profiles:write') || merge.undoneBy || merge.rule === 'undo' || merge.rule === 'split') return null;
  if (!merge.sides) return <span className="muted small"> · recorded before Kin kept merge sides: split instead</span>;
  const { absorbed, survivor } = merge.sides;
  return (
    <Confirmed
      label="Undo…"
      action="Undo this merge"
      run={() => api.undoMerge(merge.id)}
      onChanged={onChanged}
      moves={absorbed}
      stays={survivor}
      movesTo={`back to profile ${merge.absorbedId}`}
    />
  );
}

/** Choose identifiers to move to a profile of their own, then confirm. */
export function SplitProfile({ profileId, ids, onChanged }: { profileId: string; ids: ExternalId[]; onChanged: () => void }) {
  const { api, self } = useKin();
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  if (!holds(self, 'profiles:write')) return <p className="muted small">Splitting needs the profiles:write scope.</p>;
  if (ids.length < 2) return <p className="muted small">A split needs at least two identifiers.</p>;
  const moves = ids.filter((i) => chosen.has(keyOf(i)));
  const stays = ids.filter((i) => !chosen.has(keyOf(i)));
  const toggle = (key: string) =>
    setChosen((s) => {
      const next = new Set(s);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <div className="split">
      <p className="muted small">Tick the identifiers that belong to someone else; they move to a new profile with their events.</p>
      <ul className="id-list">
        {ids.map((i) => (
          <li key={keyOf(i)}>
            <label>
              <input type="checkbox" name="split" value={keyOf(i)} checked={chosen.has(keyOf(i))} onChange={() => toggle(keyOf(i))} />{' '}
              <span className="mono wrap">{keyOf(i)}</span>
            </label>
          </li>
        ))}
      </ul>
      {moves.length > 0 && stays.length > 0 ? (
        <Confirmed
          label="Split…"
          action="Split this profile"
          run={() => api.splitProfile(profileId, moves)}
          onChanged={() => {
            setChosen(new Set());
            onChanged();
          }}
          moves={moves}
          stays={stays}
          movesTo="to a new profile"
        />
      ) : (
        <p className="muted small">Choose at least one identifier, and leave at least one.</p>
      )}
    </div>
  );
}

/** A button that opens a confirmation listing what moves and what stays, then runs the separation. */
function Confirmed(props: {
  label: string;
  action: string;
  run: () => Promise<ApiResult<Separation>>;
  onChanged: () => void;
  moves: Key[];
  stays: Key[];
  movesTo: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const [done, setDone] = useState<Separation | undefined>();
  const confirm = async () => {
    setBusy(true);
    setFailure(undefined);
    const r = await props.run();
    setBusy(false);
    if (!r.ok) return setFailure(r.error);
    setOpen(false);
    setDone(r.data);
  };
  if (done) {
    return (
      <div className="confirm" role="status" data-separated={done.ledgerId}>
        Done: {done.events} events replayed; now{' '}
        {done.profiles.map((p, i) => (
          <span key={p.id}>
            {i > 0 ? ' and ' : ''}
            <a href={hrefOf({ name: 'profile', ref: p.id })} onClick={link({ name: 'profile', ref: p.id })} className="mono">
              {p.id}
            </a>{' '}
            ({p.externalIds.length} identifiers)
          </span>
        ))}
        .{' '}
        <button type="button" className="button-link" onClick={props.onChanged}>
          Refresh
        </button>
      </div>
    );
  }
  if (!open) {
    return (
      <button type="button" className="button-link" onClick={() => setOpen(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <div className="confirm" role="alertdialog" aria-label={props.action}>
      <p>
        <strong>{props.action}?</strong> {props.moves.length === 1 ? '1 identifier moves' : `${props.moves.length} identifiers move`}{' '}
        {props.movesTo}, with their events:
      </p>
      <ul className="id-list" data-moves>
        {props.moves.map((i) => (
          <li key={keyOf(i)} className="mono wrap">
            {keyOf(i)}
          </li>
        ))}
      </ul>
      <p>
        {props.stays.length} stay{props.stays.length === 1 ? 's' : ''}:{' '}
        <span className="mono wrap">{props.stays.map(keyOf).join(', ')}</span>. A do-not-link rule keeps the two apart afterwards.
      </p>
      <button type="button" className="button button-danger" disabled={busy} onClick={() => void confirm()}>
        {props.action}
      </button>{' '}
      <button type="button" className="button" disabled={busy} onClick={() => setOpen(false)}>
        Cancel
      </button>
      {failure ? <ErrorBox error={failure} /> : null}
    </div>
  );
}
