/**
 * A tiny history router: the dashboard's few routes don't need a library. Paths are real URLs (the server
 * answers every non-`/v1` GET with index.html), so reloads and shared links work.
 */
import { useEffect, useState } from 'react';

/** The current route. */
export type Route =
  | { name: 'overview' }
  | { name: 'search'; q: string; page?: number; order?: 'newest' | 'oldest' }
  | { name: 'profile'; ref: string }
  | { name: 'sources' }
  | { name: 'audiences' }
  | { name: 'warnings'; kind: string }
  | { name: 'journeys' }
  | { name: 'review' }
  | { name: 'privacy' }
  | { name: 'links' }
  | { name: 'orchestration'; journey?: string }
  | { name: 'deliveries'; status?: string; destination?: string }
  | { name: 'tokens' }
  | { name: 'audit'; actor: string; action: string; since: string }
  | { name: 'not_found' };

/** Reads a route from a location. */
export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  if (pathname === '/' || pathname === '') return { name: 'overview' };
  if (pathname === '/search') {
    const page = Number(params.get('page') ?? '1');
    return {
      name: 'search',
      q: params.get('q') ?? '',
      ...(Number.isInteger(page) && page > 1 ? { page } : {}),
      ...(params.get('order') === 'oldest' ? { order: 'oldest' as const } : {}),
    };
  }
  if (pathname.startsWith('/profiles/')) return { name: 'profile', ref: decodeURIComponent(pathname.slice('/profiles/'.length)) };
  if (pathname === '/sources') return { name: 'sources' };
  if (pathname === '/journeys') return { name: 'journeys' };
  if (pathname === '/review') return { name: 'review' };
  if (pathname === '/links') return { name: 'links' };
  if (pathname === '/orchestration') {
    const journey = params.get('journey');
    return { name: 'orchestration', ...(journey ? { journey } : {}) };
  }
  if (pathname === '/deliveries') {
    const status = params.get('status');
    const destination = params.get('destination');
    return { name: 'deliveries', ...(status ? { status } : {}), ...(destination ? { destination } : {}) };
  }
  if (pathname === '/audiences') return { name: 'audiences' };
  if (pathname === '/warnings') return { name: 'warnings', kind: params.get('kind') ?? '' };
  if (pathname === '/privacy') return { name: 'privacy' };
  if (pathname === '/tokens') return { name: 'tokens' };
  if (pathname === '/audit')
    return { name: 'audit', actor: params.get('actor') ?? '', action: params.get('action') ?? '', since: params.get('since') ?? '' };
  return { name: 'not_found' };
}

/** The URL of a route. */
export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'overview':
      return '/';
    case 'search': {
      const params = new URLSearchParams();
      if (route.q) params.set('q', route.q);
      if (route.order === 'oldest') params.set('order', 'oldest');
      if (route.page && route.page > 1) params.set('page', String(route.page));
      const text = params.toString();
      return text ? `/search?${text}` : '/search';
    }
    case 'profile':
      return `/profiles/${encodeURIComponent(route.ref)}`;
    case 'sources':
      return '/sources';
    case 'journeys':
      return '/journeys';
    case 'review':
      return '/review';
    case 'links':
      return '/links';
    case 'orchestration':
      return route.journey ? `/orchestration?journey=${encodeURIComponent(route.journey)}` : '/orchestration';
    case 'deliveries': {
      const params = new URLSearchParams();
      if (route.status) params.set('status', route.status);
      if (route.destination) params.set('destination', route.destination);
      const text = params.toString();
      return text ? `/deliveries?${text}` : '/deliveries';
    }
    case 'audiences':
      return '/audiences';
    case 'warnings':
      return route.kind ? `/warnings?kind=${encodeURIComponent(route.kind)}` : '/warnings';
    case 'privacy':
      return '/privacy';
    case 'tokens':
      return '/tokens';
    case 'audit': {
      const params = new URLSearchParams();
      if (route.actor) params.set('actor', route.actor);
      if (route.action) params.set('action', route.action);
      if (route.since) params.set('since', route.since);
      const text = params.toString();
      return text ? `/audit?${text}` : '/audit';
    }
    case 'not_found':
      return '/';
  }
}

/** Goes to a route (pushes history). */
export function navigate(route: Route): void {
  window.history.pushState(null, '', hrefOf(route));
  window.dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

/** The current route, updated on navigation. */
export function useRoute(): Route {
  const read = () => parseRoute(window.location.pathname, window.location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}

/** A click handler that navigates in-app (plain clicks only; modified clicks open tabs as usual). */
export function link(route: Route) {
  return (e: { preventDefault(): void; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; button: number }) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(route);
  };
}
