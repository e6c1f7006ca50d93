/**
 * `npm run measure:identity`: replays the demo data set (seed 7, 5,000 shoppers, as `kin demo`) and the
 * cookie-churn data set through the real write path on a fresh SQLite store and prints profiles per
 * person and every refusal by kind, under the default policy (or KIN_POLICY_FILE's). Not a timing bench.
 */
import { generateChurnData } from '../packages/server/src/demo/churn-data.ts';
import { generateDemoData } from '../packages/server/src/demo/demo-data.ts';
import { replayForOutcome } from '../packages/server/src/demo/identity-outcome.ts';
import { loadPolicy } from '../packages/server/src/identity/policy-load.ts';
import { openSqliteStore } from '../packages/server/src/storage/sqlite/sqlite-store.ts';

const policy = loadPolicy(process.argv[2]);
const demo = generateDemoData({ seed: 7, shoppers: 5000, now: new Date('2026-11-01T12:00:00.000Z') });
const store = await openSqliteStore({ path: ':memory:' });
const outcome = await replayForOutcome({ store, policy, events: demo.events, people: demo.shoppers, groupSize: 500 });
await store.close();
console.log(
  `demo: ${outcome.people} shoppers -> ${outcome.profiles} profiles (ratio ${outcome.ratio.toFixed(3)}): ` +
    `${outcome.personProfiles} with a person-level identifier (ratio ${outcome.personRatio.toFixed(3)}), ${outcome.anonymousProfiles} anonymous only; ${outcome.rejected} events rejected`,
);
for (const [kind, count] of Object.entries(outcome.refusals)) console.log(`  ${String(count).padStart(5)}  ${kind}`);

const churn = generateChurnData({ seed: 11, people: 1000, days: 180, now: new Date('2026-11-01T12:00:00.000Z'), householdEvery: 25 });
const churnStore = await openSqliteStore({ path: ':memory:' });
const churned = await replayForOutcome({ store: churnStore, policy, events: churn.events, people: churn.people });
await churnStore.close();
const onShared = [...churned.refusedMessageIds].filter((id) => churn.sharedMessageIds.has(id)).length;
console.log(
  `churn: ${churned.people} people, ${churn.events.length} events -> ${churned.profiles} profiles (ratio ${churned.ratio.toFixed(3)}), ` +
    `${churned.anonymousProfiles} anonymous only; refused events: ${onShared} on shared devices, ${churned.refusedMessageIds.size - onShared} on single-person shoppers`,
);
for (const [kind, count] of Object.entries(churned.refusals)) console.log(`  ${String(count).padStart(5)}  ${kind}`);
