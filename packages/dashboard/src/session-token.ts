/**
 * The admin token for this browser session.
 *
 * Why sessionStorage plus a BroadcastChannel hand-over: sessionStorage survives reloads but not the tab
 * and is never written beyond the browser session; a new tab (a profile link opened with a middle click)
 * starts empty, so it asks the open tabs of the same origin over a BroadcastChannel and one of them answers
 * with the token. Nothing is kept in localStorage, cookies or URLs: once the last tab closes, the token is
 * gone, and signing out in one tab signs out every tab. Why not an HttpOnly cookie: the API is called with
 * a bearer token by the CLI and scripts as well; a cookie would add a second way to authenticate (and CSRF
 * defences) for the dashboard alone.
 */
const KEY = 'kin_admin_token';
const CHANNEL = 'kin-session';

/** This page's id: a tab ignores its own sign-out message (every channel object of the tab hears it). */
const TAB = Math.random().toString(36).slice(2);

type SessionMessage = { kind: 'ask' } | { kind: 'token'; token: string } | { kind: 'signed-out'; from: string };

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

function openChannel(): BroadcastChannel | undefined {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : undefined;
}

/** Asks the other open tabs for their token; `undefined` when none answers within `timeoutMs`. */
export function askOtherTabs(timeoutMs = 400): Promise<string | undefined> {
  const channel = openChannel();
  if (!channel) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (token: string | undefined) => {
      window.clearTimeout(timer);
      channel.close();
      resolve(token);
    };
    const timer = window.setTimeout(() => done(undefined), timeoutMs);
    channel.onmessage = (e: MessageEvent<SessionMessage>) => {
      if (e.data.kind === 'token' && typeof e.data.token === 'string') done(e.data.token);
    };
    channel.postMessage({ kind: 'ask' } satisfies SessionMessage);
  });
}

/**
 * While signed in: answers other tabs that ask for the token, and calls `onSignedOutElsewhere` when another
 * tab signs out. Returns the function that stops listening.
 */
export function shareSession(token: string, onSignedOutElsewhere: () => void): () => void {
  const channel = openChannel();
  if (!channel) return () => undefined;
  channel.onmessage = (e: MessageEvent<SessionMessage>) => {
    if (e.data.kind === 'ask') channel.postMessage({ kind: 'token', token } satisfies SessionMessage);
    if (e.data.kind === 'signed-out' && e.data.from !== TAB) onSignedOutElsewhere();
  };
  return () => channel.close();
}

/** Tells the other tabs that this session ended. */
export function announceSignOut(): void {
  const channel = openChannel();
  channel?.postMessage({ kind: 'signed-out', from: TAB } satisfies SessionMessage);
  channel?.close();
}
