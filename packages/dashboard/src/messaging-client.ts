/** The dashboard's calls for journeys (orchestration) and deliveries (docs/journeys.md), on the admin client's `call`. */
import type {
  DataList,
  Delivery,
  DeliveryStatus,
  DeliverySummary,
  Destination,
  Journey,
  JourneyStats,
  JourneyStepCounts,
  Page,
} from '@kin/core/api/index.ts';
import type { ApiResult } from './api-client.ts';

/** The admin client's request function. */
type Call = <T>(path: string, init?: RequestInit) => Promise<ApiResult<T>>;

/** What a journey's buttons do (`POST /v1/journeys/{key}/{action}`). */
export type JourneyAction = 'publish' | 'pause' | 'resume';

/** Journey and delivery calls. */
export interface MessagingApi {
  journeys(): Promise<ApiResult<DataList<Journey>>>;
  journeyStats(key: string): Promise<ApiResult<JourneyStats>>;
  journeySteps(key: string): Promise<ApiResult<JourneyStepCounts>>;
  journeyAction(key: string, action: JourneyAction): Promise<ApiResult<Journey>>;
  destinations(): Promise<ApiResult<DataList<Destination>>>;
  deliveries(query: { status?: DeliveryStatus; destination?: string; limit: number; cursor?: string }): Promise<ApiResult<Page<Delivery>>>;
  deliverySummary(): Promise<ApiResult<DeliverySummary>>;
  retryDelivery(id: string): Promise<ApiResult<Delivery>>;
}

/** Builds the calls over `call`. */
export function messagingApi(call: Call): MessagingApi {
  const key = (k: string) => encodeURIComponent(k);
  return {
    journeys: () => call('/v1/journeys'),
    journeyStats: (k) => call(`/v1/journeys/${key(k)}/stats`),
    journeySteps: (k) => call(`/v1/journeys/${key(k)}/steps`),
    journeyAction: (k, action) => call(`/v1/journeys/${key(k)}/${action}`, { method: 'POST', body: '{}' }),
    destinations: () => call('/v1/destinations'),
    deliveries: (query) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
      return call(`/v1/deliveries?${params.toString()}`);
    },
    deliverySummary: () => call('/v1/deliveries/summary'),
    retryDelivery: (id) => call(`/v1/deliveries/${key(id)}/retry`, { method: 'POST', body: '{}' }),
  };
}
