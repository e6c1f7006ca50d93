/** The dashboard's calls for computed traits and audiences (docs/computed-traits.md), on the admin client's `call`. */
import type { Audience, AudienceMember, ComputedTrait, DataList, DefinitionDeleted, Page, ProfileAudience } from '@kin/core/api/index.ts';
import type { ApiResult } from './api-client.ts';

/** The admin client's request function. */
type Call = <T>(path: string, init?: RequestInit) => Promise<ApiResult<T>>;

/** Computed-trait and audience calls. */
export interface AudienceApi {
  computedTraits(): Promise<ApiResult<DataList<ComputedTrait>>>;
  createComputedTrait(definition: unknown): Promise<ApiResult<ComputedTrait>>;
  deleteComputedTrait(key: string): Promise<ApiResult<DefinitionDeleted>>;
  audiences(): Promise<ApiResult<DataList<Audience>>>;
  createAudience(definition: unknown): Promise<ApiResult<Audience>>;
  deleteAudience(key: string): Promise<ApiResult<DefinitionDeleted>>;
  members(key: string, query: { limit: number; cursor?: string }): Promise<ApiResult<Page<AudienceMember>>>;
  profileAudiences(ref: string): Promise<ApiResult<DataList<ProfileAudience>>>;
}

/** Builds the calls over `call`. */
export function audienceApi(call: Call): AudienceApi {
  const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
  const key = (k: string) => encodeURIComponent(k);
  return {
    computedTraits: () => call('/v1/computed-traits'),
    createComputedTrait: (definition) => call('/v1/computed-traits', post(definition)),
    deleteComputedTrait: (k) => call(`/v1/computed-traits/${key(k)}`, { method: 'DELETE' }),
    audiences: () => call('/v1/audiences'),
    createAudience: (definition) => call('/v1/audiences', post(definition)),
    deleteAudience: (k) => call(`/v1/audiences/${key(k)}`, { method: 'DELETE' }),
    members: (k, query) =>
      call(`/v1/audiences/${key(k)}/members?limit=${query.limit}${query.cursor ? `&cursor=${encodeURIComponent(query.cursor)}` : ''}`),
    profileAudiences: (ref) => call(`/v1/profiles/${encodeURIComponent(ref)}/audiences`),
  };
}
