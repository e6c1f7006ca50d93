/**
 * Response shapes of the computed-trait and audience API (`/v1/computed-traits`, `/v1/audiences`,
 * `/v1/profiles/{ref}/audiences`). Type-only; the definitions themselves are core's analytics types.
 */
import type { AudienceDefinition } from '../analytics/audience.ts';
import type { ComputedTraitDefinition } from '../analytics/computed-trait.ts';

/** Whether existing events are still being evaluated for a new definition. */
export type DefinitionStatus = 'backfilling' | 'live';

/** `GET /v1/computed-traits/{key}`: a definition with its backfill state (`progress` from 0 to 1). */
export interface ComputedTrait extends ComputedTraitDefinition {
  status: DefinitionStatus;
  progress: number;
  createdAt: string;
}

/** `GET /v1/audiences/{key}`: a definition with its backfill state and its current size. */
export interface Audience extends AudienceDefinition {
  status: DefinitionStatus;
  progress: number;
  createdAt: string;
  size: number;
}

/** One member of an audience (`GET /v1/audiences/{key}/members`), or one audience of a profile. */
export interface AudienceMember {
  id: string;
  enteredAt: string;
}

/** One audience a profile is in (`GET /v1/profiles/{ref}/audiences`). */
export interface ProfileAudience {
  key: string;
  enteredAt: string;
}

/** `GET /v1/profiles/{ref}/computed-traits`: values by key, as in the profile's `computedTraits`. */
export type ComputedTraitValues = Record<string, unknown>;

/** `DELETE /v1/computed-traits/{key}` and `DELETE /v1/audiences/{key}`: the definition removed. */
export interface DefinitionDeleted {
  key: string;
  deleted: true;
}
