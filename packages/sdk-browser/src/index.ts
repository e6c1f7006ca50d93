// Public surface of @kin/sdk-browser. Only re-exports.
export { load } from './load.ts';
export { createAnalytics } from './analytics.ts';
export type { Analytics, AnalyticsOptions, LoadOptions } from './analytics.ts';
export type { User } from './user-store.ts';
export type { SdkEvent } from './event-builder.ts';
export type { RetryPolicy } from './retry-policy.ts';
export type {
  Clock,
  KeyValueStore,
  Logger,
  PageEnvironment,
  PageLifecycle,
  SdkStorage,
  Transport,
  TransportRequest,
  TransportResult,
} from './sdk-ports.ts';
