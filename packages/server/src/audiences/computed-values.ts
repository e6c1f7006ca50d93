/** The computed-trait values of a profile as the API shows them (`computedTraits` of `GET /v1/profiles/{ref}`). */
import { emptyComputedValue, presentComputedValue } from '@kin/core';
import type { AudienceStore } from '../storage/audience-store.ts';

/** Every defined key with its value for a live profile (the empty value where nothing was counted). */
export async function computedTraitsOf(port: AudienceStore, profileId: string, now: Date): Promise<Record<string, unknown>> {
  const [definitions, states] = await Promise.all([port.listDefinitions('trait'), port.readStates([profileId])]);
  const stored = states.get(profileId)?.values ?? {};
  const out: Record<string, unknown> = {};
  for (const { definition: d } of definitions) {
    out[d.key] = Object.hasOwn(stored, d.key) ? presentComputedValue(d.type, stored[d.key], now.getTime()) : emptyComputedValue(d.type);
  }
  return out;
}
