import { runLinksConformance } from '../links-conformance.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

if (await postgresAvailable('postgres links')) runLinksConformance(postgresTestStores('postgres', 4));
