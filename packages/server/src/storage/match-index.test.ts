import { runMatchIndexConformance } from './match-index-conformance.ts';
import { sqliteFileStores } from './sqlite/sqlite-test-store.ts';

runMatchIndexConformance(sqliteFileStores('sqlite', 'match-index'));
