// Analytics over per-unit event sequences: funnels, paths, attribution. Only re-exports.
export * from './analytics-event.ts';
export * from './funnel-compute.ts';
export * from './paths-compute.ts';
export * from './attribution-compute.ts';
