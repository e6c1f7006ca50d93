import { sqliteFileStores } from '../storage/sqlite/sqlite-test-store.ts';
import { runAudienceIdentityCases } from './audience-identity-cases.ts';

runAudienceIdentityCases(sqliteFileStores('sqlite file', 'audience-identity'));
