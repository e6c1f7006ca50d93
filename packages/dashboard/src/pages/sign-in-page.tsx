/** Sign-in: any Kin token (the admin token or a scoped one), checked against the API before it is kept for the session. */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { createKinApi } from '../api-client.ts';

/** The sign-in form. */
export function SignInPage({ notice, onSignedIn }: { notice: string | undefined; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) return setError('Paste a Kin token: the admin token Kin printed on first start, or a scoped token.');
    setBusy(true);
    const result = await createKinApi({ token: value }).self();
    setBusy(false);
    if (result.ok) return onSignedIn(value);
    setError(result.error.status === 401 ? 'This token was refused.' : result.error.message);
  };
  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={(e) => void submit(e)}>
        <h1>
          <span className="brand-mark" aria-hidden="true" /> Kin
        </h1>
        <p className="muted">
          Sign in with a token: the admin token (printed on first start, stored in .kin/credentials.json; the demo's in
          .kin/demo.db.credentials.json) or a scoped token from <code>POST /v1/tokens</code>. The dashboard shows what the token's scopes
          allow.
        </p>
        <label htmlFor="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          autoFocus
        />
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
