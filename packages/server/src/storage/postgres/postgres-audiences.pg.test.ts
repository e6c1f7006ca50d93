import { runAudienceConformance } from '../../audiences/audience-conformance.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

if (await postgresAvailable('postgres: computed traits and audiences'))
  runAudienceConformance({ ...postgresTestStores('postgres', 4), operations: 1000 });
