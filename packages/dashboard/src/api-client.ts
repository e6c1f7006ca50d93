/**
 * The admin API client: every call carries the admin token; a failed call resolves to a value
 * (`{ ok: false, error }`) so pages render their error state without try/catch.
 */
import type {
  AttributionRequest,
  AttributionResponse,
  ConversionExplanation,
  FunnelRequest,
  FunnelResponse,
  PathsRequest,
  PathsResponse,
} from '@kin/core/api/index.ts';
import type {
  AccessToken,
  AuditEntry,
  AuditVerification,
  CreateTokenRequest,
  IssuedToken,
  TokenRevoked,
  TokenSelf,
} from '@kin/core/api/access-api.ts';
import type {
  PrivacyExport,
  PrivacyRequest,
  PrivacyRequestBody,
  PrivacyRequestList,
  MatchStatus,
  ReviewBulkRequest,
  ReviewBulkResult,
  ReviewDecided,
  ReviewEffect,
  ReviewPage,
} from '@kin/core/api/index.ts';
import type { ApiErrorBody, DataList, Separation, SourceCreated, SourceRevoked } from '@kin/core/api/index.ts';
import type {
  LinkStats,
  LinkSummary,
  Merge,
  Overview,
  Page,
  Profile,
  ProfileActivity,
  ExplainAnswer,
  ProfileGraph,
  ProfileList,
  SearchPage,
  Source,
  TimelineEvent,
  Trait,
  TraitHistory,
  WarningWithSubject,
} from '@kin/core/api/index.ts';
import type { AudienceApi } from './audience-client.ts';
import { audienceApi } from './audience-client.ts';
import type { MessagingApi } from './messaging-client.ts';
import { messagingApi } from './messaging-client.ts';

/** What went wrong with a call: the API's error code (or `network_error`) and its message. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
}

/** The result of one call. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiFailure };

/** The calls the dashboard makes. */
export interface KinApi {
  /** Who the token is and its scopes (any valid token may ask). */
  self(): Promise<ApiResult<TokenSelf>>;
  overview(): Promise<ApiResult<Overview>>;
  search(q: string, page: { limit: number; offset: number }): Promise<ApiResult<SearchPage>>;
  profiles(query: { order: 'newest' | 'oldest'; limit: number; offset: number }): Promise<ApiResult<ProfileList>>;
  summary(ref: string): Promise<ApiResult<ProfileActivity>>;
  explain(ref: string): Promise<ApiResult<ExplainAnswer>>;
  profile(ref: string): Promise<ApiResult<Profile>>;
  traits(ref: string): Promise<ApiResult<DataList<Trait>>>;
  traitHistory(ref: string): Promise<ApiResult<DataList<TraitHistory>>>;
  events(ref: string, query: { limit: number; cursor?: string; type?: string; channel?: string }): Promise<ApiResult<Page<TimelineEvent>>>;
  merges(ref: string): Promise<ApiResult<DataList<Merge>>>;
  graph(ref: string): Promise<ApiResult<ProfileGraph>>;
  sources(): Promise<ApiResult<DataList<Source>>>;
  createSource(name: string): Promise<ApiResult<SourceCreated>>;
  revokeSource(name: string): Promise<ApiResult<SourceRevoked>>;
  warnings(query: { limit: number; cursor?: string; kind?: string }): Promise<ApiResult<Page<WarningWithSubject>>>;
  funnel(body: FunnelRequest): Promise<ApiResult<FunnelResponse>>;
  paths(body: PathsRequest): Promise<ApiResult<PathsResponse>>;
  attribution(body: AttributionRequest): Promise<ApiResult<AttributionResponse>>;
  conversion(messageId: string, query: { event: string; models: string }): Promise<ApiResult<ConversionExplanation>>;
  reviewQueue(query: { limit: number; cursor?: string }): Promise<ApiResult<ReviewPage>>;
  reviewEffect(id: string): Promise<ApiResult<ReviewEffect>>;
  decideReview(id: string, decision: 'accept' | 'reject'): Promise<ApiResult<ReviewDecided>>;
  decideReviewBulk(body: ReviewBulkRequest): Promise<ApiResult<ReviewBulkResult>>;
  /** Incremental matching: on or off, pending profiles, the followers' totals. */
  matchStatus(): Promise<ApiResult<MatchStatus>>;
  undoMerge(mergeId: string): Promise<ApiResult<Separation>>;
  splitProfile(ref: string, externalIds: Array<{ type: string; value: string }>): Promise<ApiResult<Separation>>;
  /** Privacy requests (delete, suppress, unsuppress, export a whole person): create, list, one, an export's content. */
  createPrivacyRequest(body: PrivacyRequestBody): Promise<ApiResult<PrivacyRequest>>;
  privacyRequests(query: { limit: number; cursor?: string }): Promise<ApiResult<PrivacyRequestList>>;
  privacyExport(id: string): Promise<ApiResult<PrivacyExport>>;
  /** Scoped tokens (tokens:write): list, issue and rotate (the secret shown once), revoke. */
  tokens(): Promise<ApiResult<DataList<AccessToken>>>;
  createToken(body: CreateTokenRequest): Promise<ApiResult<IssuedToken>>;
  rotateToken(id: string): Promise<ApiResult<IssuedToken>>;
  revokeToken(id: string): Promise<ApiResult<TokenRevoked>>;
  /** The audit log (audit:read), oldest first, and whether its hash chain holds. */
  audit(query: { limit: number; cursor?: string; actor?: string; action?: string; since?: string }): Promise<ApiResult<Page<AuditEntry>>>;
  auditVerify(): Promise<ApiResult<AuditVerification>>;
  links(query: { limit: number; cursor?: string }): Promise<ApiResult<Page<LinkSummary>>>;
  linkStats(id: string): Promise<ApiResult<LinkStats>>;
  /** Computed traits and audiences (audience-client.ts). */
  audiences: AudienceApi;
  /** Journeys (orchestration) and deliveries (messaging-client.ts). */
  messaging: MessagingApi;
}

/** Builds the client. `onUnauthorized` runs on any 401 (the token was revoked or mistyped). */
export function createKinApi(options: { token: string; baseUrl?: string; fetch?: typeof fetch; onUnauthorized?: () => void }): KinApi {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = options.baseUrl ?? '';
  const call = async <T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> => {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        ...init,
        headers: { authorization: `Bearer ${options.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
    } catch {
      return { ok: false, error: { status: 0, code: 'network_error', message: 'Kin did not answer. Is the server running?' } };
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (res.ok) return { ok: true, data: body as T };
    if (res.status === 401) options.onUnauthorized?.();
    const error = (body as Partial<ApiErrorBody> | undefined)?.error;
    return { ok: false, error: { status: res.status, code: error?.code ?? 'http_error', message: error?.message ?? `HTTP ${res.status}` } };
  };
  const ref = (r: string) => `/v1/profiles/${encodeURIComponent(r)}`;
  const qs = (query: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    const text = params.toString();
    return text ? `?${text}` : '';
  };
  return {
    self: () => call('/v1/tokens/self'),
    overview: () => call('/v1/overview'),
    search: (q, page) => call(`/v1/search${qs({ q, ...page })}`),
    profiles: (query) => call(`/v1/profiles${qs(query)}`),
    summary: (r) => call(`${ref(r)}/summary`),
    explain: (r) => call(`${ref(r)}/explain`),
    profile: (r) => call(ref(r)),
    traits: (r) => call(`${ref(r)}/traits`),
    traitHistory: (r) => call(`${ref(r)}/traits?history=1`),
    events: (r, query) => call(`${ref(r)}/events${qs(query)}`),
    merges: (r) => call(`${ref(r)}/merges`),
    graph: (r) => call(`${ref(r)}/graph`),
    sources: () => call('/v1/sources'),
    createSource: (name) => call('/v1/sources', { method: 'POST', body: JSON.stringify({ name }) }),
    revokeSource: (name) => call(`/v1/sources/${encodeURIComponent(name)}`, { method: 'DELETE' }),
    warnings: (query) => call(`/v1/warnings${qs({ ...query, subjects: 1 })}`),
    funnel: (body) => call('/v1/analytics/funnel', { method: 'POST', body: JSON.stringify(body) }),
    paths: (body) => call('/v1/analytics/paths', { method: 'POST', body: JSON.stringify(body) }),
    attribution: (body) => call('/v1/analytics/attribution', { method: 'POST', body: JSON.stringify(body) }),
    conversion: (messageId, query) => call(`/v1/analytics/attribution/conversions/${encodeURIComponent(messageId)}${qs(query)}`),
    reviewQueue: (query) => call(`/v1/review${qs({ status: 'open', ...query })}`),
    reviewEffect: (id) => call(`/v1/review/${encodeURIComponent(id)}/effect`),
    decideReview: (id, decision) => call(`/v1/review/${encodeURIComponent(id)}`, { method: 'POST', body: JSON.stringify({ decision }) }),
    decideReviewBulk: (body) => call('/v1/review/bulk', { method: 'POST', body: JSON.stringify(body) }),
    matchStatus: () => call('/v1/match/status'),
    undoMerge: (mergeId) => call(`/v1/merges/${encodeURIComponent(mergeId)}/undo`, { method: 'POST' }),
    splitProfile: (r, externalIds) =>
      call(`${ref(r)}/split`, { method: 'POST', body: JSON.stringify({ externalIds: externalIds.map((i) => `${i.type}:${i.value}`) }) }),
    createPrivacyRequest: (body) => call('/v1/privacy/requests', { method: 'POST', body: JSON.stringify(body) }),
    privacyRequests: (query) => call(`/v1/privacy/requests${qs(query)}`),
    privacyExport: (id) => call(`/v1/privacy/requests/${encodeURIComponent(id)}/export`),
    tokens: () => call('/v1/tokens'),
    createToken: (body) => call('/v1/tokens', { method: 'POST', body: JSON.stringify(body) }),
    rotateToken: (id) => call(`/v1/tokens/${encodeURIComponent(id)}/rotate`, { method: 'POST' }),
    revokeToken: (id) => call(`/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    audit: (query) => call(`/v1/audit${qs(query)}`),
    auditVerify: () => call('/v1/audit/verify'),
    links: (query) => call(`/v1/links${qs(query)}`),
    linkStats: (id) => call(`/v1/links/${encodeURIComponent(id)}/stats`),
    audiences: audienceApi(call),
    messaging: messagingApi(call),
  };
}
