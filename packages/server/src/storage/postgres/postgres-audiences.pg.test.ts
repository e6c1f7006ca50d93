import { describe, it } from 'vitest';
import { runAudienceConformance } from '../../audiences/audience-conformance.ts';
import { servicesRequired, testPostgresStatus } from './postgres-test-db.ts';
import { postgresTestStores } from './postgres-test-store.ts';

const status = await testPostgresStatus();
if (!status.ok && servicesRequired()) {
  describe('postgres: computed traits and audiences', () => {
    it('needs PostgreSQL (KIN_REQUIRE_SERVICES is set)', () => {
      throw new Error(status.reason);
    });
  });
}

if (status.ok) runAudienceConformance({ name: 'postgres', ...postgresTestStores(4), operations: 1000 });
