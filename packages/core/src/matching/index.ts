// Public surface of the matching module. Only re-exports.
export * from './column-roles.ts';
export * from './comparison-features.ts';
export * from './normalised-record.ts';
export { namesakeMailboxes } from './field-features.ts';
export * from './date-parse.ts';
export * from './fellegi-sunter.ts';
export * from './pair-scorer.ts';
export { isHouseholdField } from './household-rule.ts';
export * from './match-engine.ts';
export * from './match-result.ts';
export * from './nickname-table.ts';
export * from './seeded-random.ts';
export * from './string-similarity.ts';
export * from './value-normalise.ts';
export * from './person-generator.ts';
export * from './customer-generator.ts';
export * from './match-priors.ts';
export * from './incremental-matcher.ts';
