import { postgresAvailable, postgresTestStores } from '../storage/postgres/postgres-test-store.ts';
import { runAudienceIdentityCases } from './audience-identity-cases.ts';

if (await postgresAvailable('postgres: identity changes reach computed traits'))
  runAudienceIdentityCases(postgresTestStores('postgres', 4));
