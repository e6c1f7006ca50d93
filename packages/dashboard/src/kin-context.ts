/** What every page needs: the API client, source names by id, and what the signed-in token may do. */
import { createContext, useContext } from 'react';
import type { KinApi } from './api-client.ts';
import type { AccessScope, TokenSelf } from '@kin/core/api/access-api.ts';
import type { Source } from '@kin/core/api/index.ts';

/** The dashboard's shared state. */
export interface KinContextValue {
  api: KinApi;
  sources: Source[];
  /** Reloads the source list (after a create or revoke). */
  refreshSources: () => void;
  /** The signed-in token (`GET /v1/tokens/self`). */
  self: TokenSelf;
}

/** Whether the signed-in token holds `scope` (pages hide what it cannot do). */
export function holds(self: TokenSelf, scope: AccessScope): boolean {
  return self.scopes.includes(scope);
}

/** The context (provided by the signed-in shell). */
export const KinContext = createContext<KinContextValue | undefined>(undefined);

/** The shared state; throws outside the signed-in shell (a bug). */
export function useKin(): KinContextValue & { sourceName: (id: string | undefined) => string } {
  const value = useContext(KinContext);
  if (!value) throw new Error('useKin outside KinContext');
  return { ...value, sourceName: (id) => value.sources.find((s) => s.id === id)?.name ?? (id ? `source ${id}` : '—') };
}
