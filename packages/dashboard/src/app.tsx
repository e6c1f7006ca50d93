/**
 * The dashboard shell: sign-in gate, navigation, search box and the page of the current route. Signed in, it asks
 * `GET /v1/tokens/self` for the token's scopes and shows only the pages and actions they allow (page-access.ts).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import type { KinApi } from './api-client.ts';
import { createKinApi } from './api-client.ts';
import type { Source } from '@kin/core/api/index.ts';
import type { TokenSelf } from '@kin/core/api/access-api.ts';
import { KinContext } from './kin-context.ts';
import { missingScope } from './page-access.ts';
import { OverviewPage } from './pages/overview-page.tsx';
import { PrivacyPage } from './pages/privacy-page.tsx';
import { ProfilePage } from './pages/profile-page.tsx';
import { ReviewPage } from './pages/review-page.tsx';
import { SearchPage } from './pages/search-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { AudiencesPage } from './pages/audiences-page.tsx';
import { JourneysPage } from './pages/journeys-page.tsx';
import { SourcesPage } from './pages/sources-page.tsx';
import { LinksPage } from './pages/links-page.tsx';
import { DeliveriesPage } from './pages/deliveries-page.tsx';
import { OrchestrationPage } from './pages/orchestration-page.tsx';
import { WarningsPage } from './pages/warnings-page.tsx';
import { TokensPage } from './pages/tokens-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
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
  const api = useMemo(
    () => createKinApi({ token, onUnauthorized: () => onSignOut('The token was refused (revoked, rotated or expired). Sign in again.') }),
    [token, onSignOut],
  );
  const [self, setSelf] = useState<TokenSelf | undefined>();
  useEffect(() => {
    let live = true;
    void api.self().then((r) => {
      if (live && r.ok) setSelf(r.data);
    });
    return () => {
      live = false;
    };
  }, [api]);
  if (!self) return <Loading label="Checking what this token may do…" />;
  return <Shell api={api} self={self} onSignOut={onSignOut} />;
}

function Shell({ api, self, onSignOut }: { api: KinApi; self: TokenSelf; onSignOut: (why?: string) => void }) {
  const route = useRoute();
  const [sources, setSources] = useState<Source[]>([]);
  const [sourcesTick, setSourcesTick] = useState(0);
  const readsSources = self.scopes.includes('analytics:read');
  useEffect(() => {
    if (!readsSources) return;
    let live = true;
    void api.sources().then((r) => {
      if (live && r.ok) setSources(r.data.data);
    });
    return () => {
      live = false;
    };
  }, [api, sourcesTick, readsSources]);
  const context = useMemo(() => ({ api, sources, self, refreshSources: () => setSourcesTick((t) => t + 1) }), [api, sources, self]);
  const allowed = (r: Route) => missingScope(r, self) === undefined;

  return (
    <KinContext.Provider value={context}>
      <div className="shell">
        <header className="topbar">
          <a className="brand" href="/" onClick={link({ name: 'overview' })}>
            <span className="brand-mark" aria-hidden="true" />
            Kin
          </a>
          <nav className="nav" aria-label="Main">
            {NAV.filter((n) => allowed(n.route)).map((n) => (
              <NavLink key={n.label} route={n.route} current={route} label={n.label} />
            ))}
          </nav>
          {allowed({ name: 'search', q: '' }) ? <SearchBox initial={route.name === 'search' ? route.q : ''} /> : null}
          <span className="muted token-name" title={self.scopes.join(', ')} data-token-name>
            {self.name}
          </span>
          <button type="button" className="button button-quiet" onClick={() => onSignOut()}>
            Sign out
          </button>
        </header>
        <main className="content">
          <RoutePage route={route} self={self} />
        </main>
      </div>
    </KinContext.Provider>
  );
}

const NAV: Array<{ route: Route; label: string }> = [
  { route: { name: 'overview' }, label: 'Overview' },
  { route: { name: 'search', q: '' }, label: 'Profiles' },
  { route: { name: 'journeys' }, label: 'Journeys' },
  { route: { name: 'sources' }, label: 'Sources' },
  { route: { name: 'audiences' }, label: 'Audiences' },
  { route: { name: 'links' }, label: 'Links' },
  { route: { name: 'orchestration' }, label: 'Orchestration' },
  { route: { name: 'deliveries' }, label: 'Deliveries' },
  { route: { name: 'warnings', kind: '' }, label: 'Warnings' },
  { route: { name: 'privacy' }, label: 'Privacy' },
  { route: { name: 'review' }, label: 'Review' },
  { route: { name: 'tokens' }, label: 'Tokens' },
  { route: { name: 'audit', actor: '', action: '', since: '' }, label: 'Audit' },
];

function RoutePage({ route, self }: { route: Route; self: TokenSelf }) {
  const missing = missingScope(route, self);
  // The home page falls back to the profile list for a token that reads profiles but not analytics.
  if (missing && route.name === 'overview' && !missingScope({ name: 'search', q: '' }, self)) return <SearchPage q="" />;
  if (missing) {
    return (
      <Empty>
        This token ({self.name}) cannot see this page: it needs the <code>{missing}</code> scope.
      </Empty>
    );
  }
  switch (route.name) {
    case 'overview':
      return <OverviewPage />;
    case 'search':
      return <SearchPage q={route.q} {...(route.page ? { page: route.page } : {})} {...(route.order ? { order: route.order } : {})} />;
    case 'profile':
      return <ProfilePage key={route.ref} profileRef={route.ref} />;
    case 'journeys':
      return <JourneysPage />;
    case 'sources':
      return <SourcesPage />;
    case 'links':
      return <LinksPage />;
    case 'orchestration':
      return <OrchestrationPage {...(route.journey ? { selected: route.journey } : {})} />;
    case 'deliveries':
      return (
        <DeliveriesPage
          {...(route.status ? { status: route.status } : {})}
          {...(route.destination ? { destination: route.destination } : {})}
        />
      );
    case 'audiences':
      return <AudiencesPage />;
    case 'warnings':
      return <WarningsPage kind={route.kind} />;
    case 'review':
      return <ReviewPage />;
    case 'privacy':
      return <PrivacyPage />;
    case 'tokens':
      return <TokensPage />;
    case 'audit':
      return (
        <AuditPage
          key={`${route.actor}\u0000${route.action}\u0000${route.since}`}
          actor={route.actor}
          action={route.action}
          since={route.since}
        />
      );
    case 'not_found':
      return <Empty>No such page. Try the overview or search for a profile.</Empty>;
  }
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = route.name === current.name || (route.name === 'search' && current.name === 'profile');
  return (
    <a
      href={hrefOf(route)}
      className={active ? 'nav-link active' : 'nav-link'}
      aria-current={active ? 'page' : undefined}
      onClick={link(route)}
    >
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
