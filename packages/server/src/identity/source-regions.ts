/**
 * The phone region of each source: policy `sources.<name>.defaultPhoneRegion`, looked up by source id
 * (events carry the id, the policy names the source). Why a cache with `ensure`: the lookup runs per event
 * and must be synchronous; the apply paths call `ensure` once per batch, which reads the store's sources
 * again only when a source id is new (created after start).
 */
import type { IdentityPolicy } from '@kin/core';

/** Source id → phone region, for `ResolveDeps.sourceRegions`. */
export interface SourceRegions {
  /** The source's region; `undefined` when it has none (the policy's `defaultPhoneRegion` applies). */
  regionOf(sourceId: string): string | undefined;
  /** True when the source id was seen in the store, so `regionOf` is settled for it. */
  knows(sourceId: string): boolean;
  /** Reads the sources again when one of these ids is not known yet; `undefined` when none is new. */
  ensure(sourceIds: Iterable<string>): Promise<void> | undefined;
}

/** `undefined` when no source of the policy has a region (then nothing is looked up at all). */
export function createSourceRegions(
  policy: IdentityPolicy,
  listSources: () => Promise<ReadonlyArray<{ id: string; name: string }>>,
): SourceRegions | undefined {
  const byName = new Map<string, string>();
  for (const [name, rule] of Object.entries(policy.sources))
    if (rule.defaultPhoneRegion !== undefined) byName.set(name, rule.defaultPhoneRegion);
  if (byName.size === 0) return undefined;
  let known = new Map<string, string | undefined>();
  let reading: Promise<void> | undefined;
  const read = (): Promise<void> =>
    (reading ??= listSources()
      .then((sources) => {
        known = new Map(sources.map((s) => [s.id, byName.get(s.name)]));
      })
      .finally(() => {
        reading = undefined;
      }));
  return {
    regionOf: (sourceId) => known.get(sourceId),
    knows: (sourceId) => known.has(sourceId),
    ensure(sourceIds) {
      for (const id of sourceIds) if (!known.has(id)) return read();
      return undefined;
    },
  };
}
