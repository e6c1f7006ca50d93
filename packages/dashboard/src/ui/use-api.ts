/** Loads one API answer for a component: loading, data or error, and a reload. */
import { useCallback, useEffect, useState } from 'react';
import type { ApiFailure, ApiResult } from '../api-client.ts';

/** The state of one load. */
export type Load<T> = { state: 'loading' } | { state: 'error'; error: ApiFailure } | { state: 'ready'; data: T };

/**
 * Runs `load` whenever `key` changes (showing the loading state) and on `reload()` (keeping the current
 * data on screen until the new answer arrives, so polling never flickers).
 */
export function useApi<T>(load: () => Promise<ApiResult<T>>, key: string): Load<T> & { reload: () => void } {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const [loadedKey, setLoadedKey] = useState(key);
  const [tick, setTick] = useState(0);
  if (loadedKey !== key) {
    setLoadedKey(key);
    setResult({ state: 'loading' });
  }
  useEffect(() => {
    let live = true;
    void load().then((r) => {
      if (live) setResult(r.ok ? { state: 'ready', data: r.data } : { state: 'error', error: r.error });
    });
    return () => {
      live = false;
    };
    // Why not `load` in the dependencies: it is a new closure every render; `key` names its inputs.
  }, [key, tick]); // eslint-disable-line react-hooks/exhaustive-deps
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...result, reload };
}
