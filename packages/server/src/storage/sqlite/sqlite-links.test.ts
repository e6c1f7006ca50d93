import { runLinksConformance } from '../links-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

runLinksConformance({ name: 'sqlite', create: () => openSqliteStore({ path: ':memory:' }), destroy: (store) => store.close() });
