import { runMessagingConformance } from '../messaging-conformance.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

if (await postgresAvailable('postgres messaging')) runMessagingConformance(postgresTestStores('postgres', 6));
