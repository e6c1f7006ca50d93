/**
 * The reading side of the PostgreSQL write transaction: message-id claims, and the locked reads that fill the
 * transaction's graph and trust caches (a whole batch's identities in `prefetch`, or what a hand-written plan
 * names). Why a file of its own: every read here first flushes what the cache holds and the database does not
 * yet, then takes the database's answer into the caches; the write path (postgres-writes.ts) only asks for
 * snapshots and follows plans.
 */
import type { Identifier, IdentitySnapshot } from '@kin/core';
import type { ApplyInput } from '../storage.ts';
import type { LockedSnapshotRow, TxGraphCache } from './postgres-graph-cache.ts';
import type { RunStatement } from './postgres-tx-flush.ts';
import type { TrustCache, TrustQuery } from './postgres-trust-cache.ts';
import { readTrustRows } from './postgres-trust-cache.ts';
import { WRITE_STATEMENTS as SQL } from './postgres-write-statements.ts';
import type { WriteDeps } from './postgres-writes.ts';

/** How a snapshot is read: `beforeSeq` for a replay, `deviceTypes` for the shared-device rules (see `StoreTx.loadSnapshot`). */
type SnapshotOptions = { beforeSeq?: number; deviceTypes?: readonly string[] };

/** What the reading side shares with the rest of the transaction. */
export interface TxReadsState {
  deps: WriteDeps;
  run: RunStatement;
  cache: TxGraphCache;
  trust: TrustCache;
  /** Sends every buffered write (postgres-tx-flush.ts). */
  flush: () => Promise<void>;
}

/** The reading side of one transaction. */
export interface TxReads {
  claimMessageIds(sourceId: string, messageIds: string[]): Promise<boolean[]>;
  /** Locks and reads what a hand-written plan names and the cache does not hold (profiles, identifiers). */
  loadFor(input: ApplyInput): Promise<void>;
  prefetch(identifiers: Identifier[]): Promise<void>;
  loadSnapshot(identifiers: Identifier[], options?: SnapshotOptions): Promise<IdentitySnapshot>;
  sourceName(sourceId: string): Promise<string | undefined>;
}

/** The reading side of one transaction, over its caches. */
export function createTxReads(state: TxReadsState): TxReads {
  const { deps, run, cache, trust, flush } = state;
  const trustQuery: TrustQuery = (config) => deps.query(config);

  async function claimMessageIds(sourceId: string, messageIds: string[]): Promise<boolean[]> {
    if (messageIds.length === 0) return [];
    // Sorted and unique: two transactions claiming overlapping batches lock index entries in one order.
    const unique = [...new Set(messageIds)].sort();
    const { rows } = await run<{ message_id: string }>(SQL.claim.name, SQL.claim.text, [sourceId, unique, deps.clock.now().toISOString()]);
    const fresh = new Set(rows.map((r) => r.message_id));
    // The first occurrence of a fresh id in the request claims it; repeats within the request are duplicates.
    return messageIds.map((id) => fresh.delete(id));
  }

  /** Locks and reads these identifiers (and the profiles they reach) into the cache: one round trip. */
  async function lookup(identifiers: Identifier[]): Promise<void> {
    // The database must hold what the cache holds before the cache takes the database's answer.
    await flush();
    const { rows } = await run<LockedSnapshotRow>(SQL.lockSnapshot.name, SQL.lockSnapshot.text, [
      identifiers.map((i) => i.type),
      identifiers.map((i) => i.value),
    ]);
    cache.load(identifiers, rows);
    await loadTrust(identifiers, rows);
  }

  /** Tombstones, rules and device users of these identifiers; rules of every identifier of the rows' profiles. */
  async function loadTrust(identifiers: Identifier[], rows: LockedSnapshotRow[]): Promise<void> {
    const held: Identifier[] = [];
    for (const r of rows) if (r.type !== null && r.value !== null) held.push({ type: r.type, value: r.value });
    const request = trust.request(identifiers, held);
    if (!request) return;
    const { full, rulesOnly } = request;
    const trustRows = await readTrustRows(trustQuery, full, rulesOnly, deps.digest);
    trust.load(full, rulesOnly, trustRows);
  }

  async function loadFor({ plan }: ApplyInput): Promise<void> {
    const identifiers = [...plan.links.map((l) => l.identifier), ...plan.touches].filter((i) => !cache.covers(i));
    if (identifiers.length > 0) await lookup(identifiers);
    const named = [
      ...(plan.target.kind === 'existing' ? [plan.target.profileId] : []),
      ...plan.merges.flatMap((m) => [m.survivorId, m.absorbedId]),
    ];
    const profiles = [...new Set(named)].filter((id) => !cache.hasProfile(id));
    if (profiles.length === 0) return;
    await flush();
    await run(SQL.lockProfiles.name, SQL.lockProfiles.text, [profiles]);
    const { rows } = await run<LockedSnapshotRow>(SQL.readProfiles.name, SQL.readProfiles.text, [profiles]);
    cache.load([], rows);
    await loadTrust([], rows);
  }

  async function prefetch(identifiers: Identifier[]): Promise<void> {
    let missing: Identifier[] | undefined;
    for (const i of identifiers) if (!cache.covers(i)) (missing ??= []).push(i);
    if (missing) await lookup(missing);
    // An identifier the graph cache holds only because a reached profile holds it has its rules loaded, not
    // its tombstone or device users (rare: a batch's prefetch asks for all its identifiers at once).
    await loadTrust(identifiers, []);
  }

  /**
   * Why not an async function: nearly every event's identifiers were read by its batch's prefetch, and then
   * the snapshot is answered from memory without the two awaited calls of `prefetch` (which would do nothing).
   */
  function loadSnapshot(identifiers: Identifier[], options?: SnapshotOptions): Promise<IdentitySnapshot> {
    if (identifiers.length === 0) return Promise.resolve({ known: [], profiles: new Map() });
    if (!held(identifiers)) return snapshotAfterPrefetch(identifiers, options);
    return Promise.resolve(trust.extend(identifiers, cache.snapshot(identifiers), options?.beforeSeq, options?.deviceTypes));
  }

  async function snapshotAfterPrefetch(identifiers: Identifier[], options?: SnapshotOptions): Promise<IdentitySnapshot> {
    await prefetch(identifiers);
    return trust.extend(identifiers, cache.snapshot(identifiers), options?.beforeSeq, options?.deviceTypes);
  }

  /** True when `prefetch` would read nothing: the graph cache covers each identifier and the trust cache has it loaded. */
  function held(identifiers: Identifier[]): boolean {
    for (const identifier of identifiers) if (!cache.covers(identifier) || !trust.hasLoaded(identifier)) return false;
    return true;
  }

  // Per transaction: a source id never changes its name.
  const sourceNames = new Map<string, string | undefined>();
  async function sourceName(sourceId: string): Promise<string | undefined> {
    if (!sourceNames.has(sourceId)) {
      const { rows } = await deps.query<{ name: string }>({
        name: 'kin_source_name_v1',
        text: 'SELECT name FROM sources WHERE id = $1',
        values: [sourceId],
      });
      sourceNames.set(sourceId, rows[0]?.name);
    }
    return sourceNames.get(sourceId);
  }

  return { claimMessageIds, loadFor, prefetch, loadSnapshot, sourceName };
}
