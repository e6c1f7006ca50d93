import { runAudienceConformance } from '../../audiences/audience-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { sqliteFileStores } from './sqlite-test-store.ts';

runAudienceConformance({
  name: 'sqlite in memory',
  create: () => openSqliteStore({ path: ':memory:' }),
  destroy: (store) => store.close(),
  operations: 1000,
});

// A file: the per-profile state lives in its own file beside the database (sqlite-audience-state.ts).
runAudienceConformance({ ...sqliteFileStores('sqlite file', 'audiences'), operations: 300 });
