// The HTTP API's response types, shared by the server, the dashboard and the SDK. Only re-exports.
export type * from './page-api.ts';
export type * from './error-api.ts';
export type * from './profile-api.ts';
export type * from './admin-api.ts';
export type * from './graph-api.ts';
export type * from './explain-api.ts';
export type * from './messaging-api.ts';
export type * from './analytics-api.ts';
export type * from './review-api.ts';
export type * from './privacy-api.ts';
export type * from './access-api.ts';
export type * from './links-api.ts';
export type * from './audience-api.ts';
export type * from './tracking-api.ts';
