/**
 * Which scope each dashboard page needs, mirroring the API routes it reads (docs/access.md): the shell hides
 * navigation to pages the token cannot read and shows why instead of an error.
 */
import type { AccessScope, TokenSelf } from '@kin/core/api/access-api.ts';
import type { Route } from './router.ts';

const NEEDS: Record<Route['name'], AccessScope | undefined> = {
  overview: 'analytics:read',
  search: 'profiles:read',
  profile: 'profiles:read',
  sources: 'analytics:read',
  warnings: 'profiles:read',
  privacy: 'privacy:read',
  links: 'analytics:read',
  // A decision page: reading the queue needs profiles:read, every action on it profiles:write.
  review: 'profiles:write',
  audiences: 'analytics:read',
  journeys: 'analytics:read',
  // Reading journeys and the outbox; publish, pause, resume and retry also need config:write (the pages hide them).
  orchestration: 'analytics:read',
  deliveries: 'analytics:read',
  tokens: 'tokens:write',
  audit: 'audit:read',
  not_found: undefined,
};

/** The scope a page needs that the token lacks; `undefined` when it may see the page. */
export function missingScope(route: Route, self: TokenSelf): AccessScope | undefined {
  const needed = NEEDS[route.name];
  return needed && !self.scopes.includes(needed) ? needed : undefined;
}
