import { runAccessConformance } from '../access-conformance.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

if (await postgresAvailable('postgres access')) {
  runAccessConformance({
    ...postgresTestStores('postgres', 4),
    unlockAuditSql: 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only',
  });
}
