// Public surface of @kin/core. Only re-exports.
export * from './spec/event-types.ts';
export * from './identity/identity-types.ts';
