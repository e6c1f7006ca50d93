/**
 * A profile's privacy actions: Export, Suppress and Delete the whole person, each confirmed by typing the
 * identifier it is made by (privacy-confirm.ts). The request runs on the server; its progress is on the
 * privacy page.
 */
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { PrivacyRequest, Profile } from '@kin/core/api/index.ts';
import type { ApiFailure } from '../api-client.ts';
import { useKin } from '../kin-context.ts';
import { confirmationTarget, confirms, PRIVACY_ACTIONS } from '../privacy-confirm.ts';
import { link } from '../router.ts';
import { ErrorBox } from '../ui/states.tsx';

type Action = keyof typeof PRIVACY_ACTIONS;

/** The privacy card of the profile page. */
export function PrivacyActions({ profile }: { profile: Profile }) {
  const { api } = useKin();
  const target = confirmationTarget(profile);
  const [action, setAction] = useState<Action | undefined>();
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | undefined>();
  const [sent, setSent] = useState<PrivacyRequest | undefined>();

  const open = (next: Action) => {
    setAction(next);
    setTyped('');
    setError(undefined);
    setSent(undefined);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!action || !confirms(typed, target)) return;
    setBusy(true);
    const r = await api.createPrivacyRequest({
      type: action,
      subject: { ref: target.ref },
      requestedBy: 'dashboard',
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setSent(r.data);
    setAction(undefined);
  };

  return (
    <div className="card privacy-actions">
      <h2>Privacy</h2>
      <p className="muted small">Acts on the whole person, every identifier included. Each action is confirmed by typing the identifier.</p>
      <div className="button-row">
        {(Object.keys(PRIVACY_ACTIONS) as Action[]).map((a) => (
          <button
            key={a}
            type="button"
            className={PRIVACY_ACTIONS[a].danger ? 'button button-danger' : 'button'}
            onClick={() => open(a)}
            aria-pressed={action === a}
          >
            {PRIVACY_ACTIONS[a].label}…
          </button>
        ))}
      </div>
      {action ? (
        <form
          className="privacy-confirm"
          aria-label={`Confirm ${PRIVACY_ACTIONS[action].label.toLowerCase()}`}
          onSubmit={(e) => void submit(e)}
        >
          <p>{PRIVACY_ACTIONS[action].explains}</p>
          <label htmlFor="privacy-typed">
            Type <code className="secret">{target.value}</code> to confirm
          </label>
          <input
            id="privacy-typed"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            autoFocus
          />
          <label htmlFor="privacy-reason">Reason (kept with the request)</label>
          <input
            id="privacy-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="e.g. ticket DSR-1042"
            maxLength={1000}
          />
          <div className="button-row">
            <button
              type="submit"
              className={PRIVACY_ACTIONS[action].danger ? 'button button-danger' : 'button button-primary'}
              disabled={busy || !confirms(typed, target)}
            >
              {PRIVACY_ACTIONS[action].label} this person
            </button>
            <button type="button" className="button button-quiet" onClick={() => setAction(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {sent ? (
        <div className="notice" role="status">
          {PRIVACY_ACTIONS[sent.type as Action]?.label ?? sent.type} request <code>{sent.id}</code> is {sent.status}.{' '}
          <a href="/privacy" onClick={link({ name: 'privacy' })}>
            Follow it on the privacy page
          </a>
        </div>
      ) : null}
    </div>
  );
}
