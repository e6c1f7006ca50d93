// The analytics conformance suite on PostgreSQL (a throwaway database): the same answers as on SQLite.
import { postgresAvailable, postgresTestStores } from '../storage/postgres/postgres-test-store.ts';
import { registerAnalyticsConformance } from './analytics-conformance.ts';

if (await postgresAvailable('analytics conformance: postgres')) registerAnalyticsConformance(postgresTestStores('postgres', 10));
