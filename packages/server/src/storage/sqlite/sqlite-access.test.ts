import { runAccessConformance } from '../access-conformance.ts';
import { sqliteFileStores } from './sqlite-test-store.ts';

runAccessConformance({ ...sqliteFileStores('sqlite', 'access'), unlockAuditSql: 'DROP TRIGGER audit_log_no_update' });
