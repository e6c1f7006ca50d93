import { runMatchIndexConformance } from './match-index-conformance.ts';
import { runMatchSwitchConformance } from './match-switch-conformance.ts';
import { postgresAvailable, postgresTestStores } from './postgres/postgres-test-store.ts';

if (await postgresAvailable('match index (postgres)')) {
  runMatchIndexConformance(postgresTestStores('postgres', 2));
  runMatchSwitchConformance(postgresTestStores('postgres', 2));
}
