/**
 * The admin token for this browser tab. Why sessionStorage: it survives reloads but not the tab, and is
 * never shared with other tabs or written to disk beyond the session.
 */
const KEY = 'kin_admin_token';

/** The stored token, if any. */
export function readToken(): string | undefined {
  try {
    return window.sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Stores (or, with `undefined`, forgets) the token. */
export function writeToken(token: string | undefined): void {
  try {
    if (token) window.sessionStorage.setItem(KEY, token);
    else window.sessionStorage.removeItem(KEY);
  } catch {
    // Storage may be disabled; the token then lives only in memory for this page.
  }
}
