/** The dashboard shell: sign-in gate, navigation, search box and the page of the current route. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { createKinApi } from './api-client.ts';
import type { Source } from '@kin/core/api/index.ts';
import { KinContext } from './kin-context.ts';
import { OverviewPage } from './pages/overview-page.tsx';
import { ProfilePage } from './pages/profile-page.tsx';
import { ReviewPage } from './pages/review-page.tsx';
import { SearchPage } from './pages/search-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { SourcesPage } from './pages/sources-page.tsx';
import { WarningsPage } from './pages/warnings-page.tsx';
import type { Route } from './router.ts';
import { hrefOf, link, navigate, useRoute } from './router.ts';
import { announceSignOut, askOtherTabs, readToken, shareSession, writeToken } from './session-token.ts';
import { Empty, Loading } from './ui/states.tsx';

/** The whole dashboard. */
export function App() {
  const [token, setToken] = useState<string | undefined>(readToken);
  // A new tab has no token yet: it asks the open tabs first (see session-token.ts).
  const [asking, setAsking] = useState(() => token === undefined);
  const [notice, setNotice] = useState<string | undefined>();
  const signOut = useCallback((why?: string, everywhere = true) => {
    writeToken(undefined);
    setToken(undefined);
    setNotice(why);
    if (everywhere) announceSignOut();
  }, []);
  useEffect(() => {
    if (!asking) return;
    let live = true;
    void askOtherTabs().then((shared) => {
      if (!live) return;
      if (shared) {
        writeToken(shared);
        setToken(shared);
      }
      setAsking(false);
    });
    return () => {
      live = false;
    };
  }, [asking]);
  useEffect(() => (token ? shareSession(token, () => signOut('Signed out in another tab.', false)) : undefined), [token, signOut]);
  if (asking) return <Loading label="Looking for an open session…" />;
  if (!token) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(t) => {
          writeToken(t);
          setNotice(undefined);
          setToken(t);
        }}
      />
    );
  }
  return <SignedIn token={token} onSignOut={signOut} />;
}

function SignedIn({ token, onSignOut }: { token: string; onSignOut: (why?: string) => void }) {
  const route = useRoute();
  const api = useMemo(() => createKinApi({ token, onUnauthorized: () => onSignOut('The admin token was refused. Sign in again.') }), [token, onSignOut]);
  const [sources, setSources] = useState<Source[]>([]);
  const [sourcesTick, setSourcesTick] = useState(0);
  useEffect(() => {
    let live = true;
    void api.sources().then((r) => {
      if (live && r.ok) setSources(r.data.data);
    });
    return () => {
      live = false;
    };
  }, [api, sourcesTick]);
  const context = useMemo(() => ({ api, sources, refreshSources: () => setSourcesTick((t) => t + 1) }), [api, sources]);

  return (
    <KinContext.Provider value={context}>
      <div className="shell">
        <header className="topbar">
          <a className="brand" href="/" onClick={link({ name: 'overview' })}>
            <span className="brand-mark" aria-hidden="true" />
            Kin
          </a>
          <nav className="nav" aria-label="Main">
            <NavLink route={{ name: 'overview' }} current={route} label="Overview" />
            <NavLink route={{ name: 'search', q: '' }} current={route} label="Profiles" />
            <NavLink route={{ name: 'sources' }} current={route} label="Sources" />
            <NavLink route={{ name: 'warnings', kind: '' }} current={route} label="Warnings" />
            <NavLink route={{ name: 'review' }} current={route} label="Review" />
          </nav>
          <SearchBox initial={route.name === 'search' ? route.q : ''} />
          <button type="button" className="button button-quiet" onClick={() => onSignOut()}>
            Sign out
          </button>
        </header>
        <main className="content">
          <RoutePage route={route} />
        </main>
      </div>
    </KinContext.Provider>
  );
}

function RoutePage({ route }: { route: Route }) {
  switch (route.name) {
    case 'overview':
      return <OverviewPage />;
    case 'search':
      return <SearchPage q={route.q} {...(route.page ? { page: route.page } : {})} {...(route.order ? { order: route.order } : {})} />;
    case 'profile':
      return <ProfilePage key={route.ref} profileRef={route.ref} />;
    case 'sources':
      return <SourcesPage />;
    case 'warnings':
      return <WarningsPage kind={route.kind} />;
    case 'review':
      return <ReviewPage />;
    case 'not_found':
      return <Empty>No such page. Try the overview or search for a profile.</Empty>;
  }
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = route.name === current.name || (route.name === 'search' && current.name === 'profile');
  return (
    <a href={hrefOf(route)} className={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined} onClick={link(route)}>
      {label}
    </a>
  );
}

function SearchBox({ initial }: { initial: string }) {
  const [q, setQ] = useState(initial);
  useEffect(() => setQ(initial), [initial]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim()) navigate({ name: 'search', q: q.trim() });
  };
  return (
    <form className="search" role="search" onSubmit={submit}>
      <input
        type="search"
        name="q"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        placeholder="Name, email, phone, user id, @handle, trait…"
        aria-label="Search profiles"
      />
      <button type="submit" className="button">
        Search
      </button>
    </form>
  );
}
