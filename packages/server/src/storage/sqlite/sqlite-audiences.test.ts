import { runAudienceConformance } from '../../audiences/audience-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

runAudienceConformance({ name: 'sqlite', create: () => openSqliteStore({ path: ':memory:' }), destroy: (store) => store.close(), operations: 1000 });
