import { runMatchIndexConformance } from './match-index-conformance.ts';
import { runMatchSwitchConformance } from './match-switch-conformance.ts';
import { sqliteFileStores } from './sqlite/sqlite-test-store.ts';

runMatchIndexConformance(sqliteFileStores('sqlite', 'match-index'));
runMatchSwitchConformance(sqliteFileStores('sqlite', 'match-switch'));
