/**
 * Scoped admin tokens (tokens:write): the list (never a secret), a create form with a checkbox per scope (the
 * secret shown once), rotate (a new secret, shown once) and delete (revoke) confirmed by typing the token's
 * name. Scopes the signed-in token lacks are shown but cannot be ticked: the server refuses to grant them
 * (docs/access.md), and a disabled box says so before a 403 would.
 */
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { AccessScope, AccessToken, IssuedToken } from '@kin/core/api/access-api.ts';
import { ACCESS_SCOPES } from '@kin/core/api/access-api.ts';
import type { ApiFailure } from '../api-client.ts';
import { holds, useKin } from '../kin-context.ts';
import { Empty, ErrorBox, Loading, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { SecretOnce } from '../ui/secret-once.tsx';

/** What each scope lets a token do (docs/access.md), shown beside its checkbox. */
const SCOPE_HELP: Record<AccessScope, string> = {
  'profiles:read': 'read profiles, identifiers, warnings, review',
  'profiles:write': 'merge, undo, split, delete identifiers, imports',
  'analytics:read': 'stats, overview, analytics, configuration reads',
  'config:write': 'sources, policy, journeys, destinations, links',
  'privacy:read': 'read privacy requests and exports',
  'privacy:write': 'delete, suppress, export people',
  'audit:read': 'read and verify the audit log',
  'tokens:write': 'issue, rotate and revoke tokens',
};

/** live, expired or revoked, at `now`. */
export function tokenStatus(token: AccessToken, now: number): 'live' | 'expired' | 'revoked' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'live';
}

/** The tokens page. */
export function TokensPage() {
  const { api, self } = useKin();
  const list = useApi(() => api.tokens(), 'tokens');
  const [issued, setIssued] = useState<{ what: 'created' | 'rotated'; issued: IssuedToken } | undefined>();
  const [error, setError] = useState<ApiFailure | undefined>();
  const [deleting, setDeleting] = useState<AccessToken | undefined>();

  const rotate = async (token: AccessToken) => {
    if (!window.confirm(`Rotate "${token.name}"? Its current secret stops working at once.`)) return;
    const r = await api.rotateToken(token.id);
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setIssued({ what: 'rotated', issued: r.data });
    list.reload();
  };

  return (
    <section className="page">
      <h1>Tokens</h1>
      <p className="muted small">
        Admin tokens with scopes. A secret is shown once, when a token is created or rotated; Kin keeps only its hash.
      </p>
      <CreateToken
        grantable={ACCESS_SCOPES.filter((s) => holds(self, s))}
        onIssued={(t) => {
          setIssued({ what: 'created', issued: t });
          setError(undefined);
          list.reload();
        }}
      />
      {issued ? (
        <SecretOnce
          title={`Secret of “${issued.issued.token.name}” (${issued.what})`}
          secret={issued.issued.secret}
          marker="token-secret"
          onDone={() => setIssued(undefined)}
        />
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {deleting ? (
        <RevokeToken
          token={deleting}
          onDone={(failure) => {
            setDeleting(undefined);
            setError(failure);
            list.reload();
          }}
        />
      ) : null}
      {list.state === 'loading' ? <Loading /> : null}
      {list.state === 'error' ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.state === 'ready' && list.data.data.length === 0 ? (
        <Empty>No tokens yet (the bootstrap admin token is not listed).</Empty>
      ) : null}
      {list.state === 'ready' && list.data.data.length > 0 ? (
        <div className="card table-wrap">
          <table className="table tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Scopes</th>
                <th>Created</th>
                <th>Expires</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((t) => {
                const status = tokenStatus(t, Date.now());
                return (
                  <tr key={t.id} data-token={t.id} className={status === 'live' ? undefined : 'revoked'}>
                    <td>
                      {t.name}
                      <div className="muted small">
                        <code>{t.id}</code>
                      </div>
                    </td>
                    <td>
                      {t.scopes.map((s) => (
                        <span key={s} className="tag">
                          {s}
                        </span>
                      ))}
                    </td>
                    <td>
                      <Time iso={t.createdAt} />
                      {t.rotatedAt ? (
                        <div className="muted small">
                          rotated <Time iso={t.rotatedAt} />
                        </div>
                      ) : null}
                    </td>
                    <td>{t.expiresAt ? <Time iso={t.expiresAt} /> : <span className="muted">never</span>}</td>
                    <td>
                      <span className={status === 'live' ? 'tag' : 'tag tag-red'} data-status={status}>
                        {status}
                      </span>
                    </td>
                    <td>
                      {status === 'revoked' ? null : (
                        <div className="button-row">
                          <button type="button" className="button" onClick={() => void rotate(t)}>
                            Rotate
                          </button>
                          <button type="button" className="button button-danger" onClick={() => setDeleting(t)}>
                            Delete…
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** The create form: name, a checkbox per scope (only those the signed-in token holds can be ticked), expiry. */
function CreateToken({ grantable, onIssued }: { grantable: AccessScope[]; onIssued: (issued: IssuedToken) => void }) {
  const { api } = useKin();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<AccessScope[]>([]);
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | undefined>();
  const toggle = (scope: AccessScope, on: boolean) => setScopes((now) => (on ? [...now, scope] : now.filter((s) => s !== scope)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    // A datetime-local value is the browser's local time; the API takes ISO 8601 with an offset.
    const r = await api.createToken({ name: name.trim(), scopes, ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setName('');
    setScopes([]);
    setExpires('');
    onIssued(r.data);
  };

  return (
    <form className="card token-form" aria-label="New token" onSubmit={(e) => void submit(e)}>
      <h2>New token</h2>
      <label htmlFor="token-name">Name</label>
      <input
        id="token-name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="e.g. support desk, ci"
        maxLength={64}
        required
      />
      <fieldset className="scope-boxes">
        <legend>Scopes</legend>
        {ACCESS_SCOPES.map((s) => {
          const allowed = grantable.includes(s);
          return (
            <label
              key={s}
              className={allowed ? undefined : 'muted'}
              title={allowed ? undefined : 'your token does not hold this scope, so it cannot grant it'}
            >
              <input
                type="checkbox"
                name="scope"
                value={s}
                checked={scopes.includes(s)}
                disabled={!allowed}
                onChange={(e) => toggle(s, e.target.checked)}
              />{' '}
              <code>{s}</code> <span className="muted small">{SCOPE_HELP[s]}</span>
            </label>
          );
        })}
      </fieldset>
      <label htmlFor="token-expires">Expires (optional)</label>
      <input id="token-expires" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
      {error ? <ErrorBox error={error} /> : null}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy || scopes.length === 0 || name.trim() === ''}>
          Create token
        </button>
      </div>
    </form>
  );
}

/** Revoking a token, confirmed by typing its name. */
function RevokeToken({ token, onDone }: { token: AccessToken; onDone: (failure?: ApiFailure) => void }) {
  const { api } = useKin();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const confirmed = typed.trim() === token.name;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!confirmed) return;
    setBusy(true);
    const r = await api.revokeToken(token.id);
    setBusy(false);
    onDone(r.ok ? undefined : r.error);
  };
  return (
    <form className="card privacy-confirm" aria-label="Confirm delete token" onSubmit={(e) => void submit(e)}>
      <p>
        Delete <strong>{token.name}</strong> (<code>{token.id}</code>): it stops working at once, for every client that uses it. Its record
        stays, so the audit log still names it.
      </p>
      <label htmlFor="token-typed">
        Type <code className="secret">{token.name}</code> to confirm
      </label>
      <input id="token-typed" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoFocus />
      <div className="button-row">
        <button type="submit" className="button button-danger" disabled={busy || !confirmed}>
          Delete this token
        </button>
        <button type="button" className="button button-quiet" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
