// Public surface of @kin/core. Only re-exports.
export * from './spec/event-types.ts';
export * from './identity/identity-types.ts';

export * from './spec/time-parse.ts';
export * from './spec/time-format.ts';
export * from './spec/event-timestamp.ts';
export * from './spec/event-validate.ts';
export * from './spec/batch-read.ts';
export * from './spec/json-object.ts';
export * from './spec/utf8-length.ts';
export * from './spec/json-scan.ts';
export * from './spec/field-path.ts';
export * from './spec/channel-classify.ts';
export * from './spec/ip-policy.ts';

export * from './identity/identifier-normalize.ts';
export * from './identity/identity-policy.ts';
export * from './identity/edge-policy.ts';
export * from './identity/match-policy.ts';
export * from './identity/identifier-order.ts';
export * from './identity/stable-sort.ts';
export * from './identity/identifier-extract.ts';
export * from './identity/identity-resolve.ts';
export * from './identity/graph-reference.ts';

export * from './profile/trait-changes.ts';
export * from './profile/trait-merge.ts';
export * from './profile/trait-order.ts';
export * from './profile/consent-order.ts';
export * from './random/mulberry32.ts';
export * from './analytics/index.ts';

export * from './analytics/definition-check.ts';
export * from './analytics/computed-trait.ts';
export * from './analytics/event-projection.ts';
export * from './analytics/audience.ts';

export type * from './api/index.ts';

export * from './messaging/messaging-duration.ts';
export * from './messaging/message-template.ts';
export * from './messaging/email-render.ts';
export * from './messaging/holdout-hash.ts';
export * from './messaging/zoned-time.ts';
export * from './messaging/journey-check.ts';
export * from './messaging/journey-step.ts';
export * from './messaging/journey-step-counts.ts';
export * from './messaging/send-decide.ts';
