/**
 * Exact messageId de-duplication for the SQLite store without a write at a random place per event.
 *
 * Why: `message_ids` is keyed by a hash, so claiming one new event dirtied one page at a random place of
 * that b-tree, and every group commit wrote a page per event to the WAL: about half of all the WAL Kin
 * wrote (measured on the ingest benchmark: 5.9 KiB per event with it, 3.1 without). Now a claim is held in
 * memory and reaches `message_ids` later, in bulk and in key order, so a page takes many claims at once.
 *
 * Why nothing is lost: the events table already holds (source, messageId) of every applied event, in seq
 * order. `message_id_flush.through_seq` says up to which event `message_ids` is complete. On first use, and
 * whenever another connection has written, the events after that point (or after the last one this
 * connection knows) are read back into memory; so a restart, a crash or a second writer sees every claim.
 * Claims are written out in slices of a frozen generation, one slice per transaction, and the new
 * `through_seq` commits with the last slice. A claim made without an event row in the same transaction
 * (the store's contract allows it) is written to `message_ids` directly at commit, as before.
 */
import type Database from 'better-sqlite3';
import { epochMs } from '@kin/core';
import { messageKey } from './message-key.ts';
import { KeyFilter } from './key-filter.ts';
import { PairMap } from './pair-map.ts';
import { createRowsInsert } from './sqlite-rows-insert.ts';

/** Tuning of the in-memory part (tests make it small). */
export interface MessageIdIndexOptions {
  /** Claims held in memory before they are moved to `message_ids`. */
  flushAt: number;
  /** Transactions one move is spread over (each writes one slice, in key order). */
  slices: number;
}

export const DEFAULT_MESSAGE_ID_INDEX: MessageIdIndexOptions = { flushAt: 100_000, slices: 20 };

/**
 * Transactions without another connection's commit before the filter of keys on disk is built (again).
 * Why wait: another writer (an import, a match run) may commit between every two of ours, and each of its
 * commits may add keys, so the filter would be rebuilt (a scan of `message_ids`) again and again.
 */
const QUIET_BEFORE_FILTER = 100;

export interface Claim {
  h: bigint;
  sourceId: string;
  messageId: string;
  /** Claim time (epoch ms), stored as `received_at` for the window. */
  at: number;
  /** An event row of this transaction or an earlier one carries it. */
  backed: boolean;
}

/**
 * Claims in the order of their 63-bit key, by the key's leading bits (claims that share them keep their
 * order, which is harmless: the order only makes neighbouring claims share pages). Why not a comparator on
 * the BigInt keys: that sort took about 2.5 % of the writer thread; a Float64Array sorts natively.
 */
export function inKeyOrder(claims: Claim[]): Claim[] {
  const indexBits = Math.max(1, Math.ceil(Math.log2(claims.length + 1)));
  const scale = 2 ** indexBits;
  // Keys are below 2^63; the leading 53 - indexBits bits, times scale, plus the index stay exact in a double.
  const shift = BigInt(10 + indexBits);
  const order = new Float64Array(claims.length);
  for (let i = 0; i < claims.length; i++) order[i] = Number(claims[i]!.h >> shift) * scale + i;
  order.sort();
  return Array.from(order, (k) => claims[k % scale]!);
}

/**
 * The in-memory part of de-duplication over the writer connection `db` (see the file comment). `nowMs` (the
 * store's clock) dates the claim of an event row without `received_at` (rows written before that column).
 */
export function createMessageIdIndex(db: Database.Database, nowMs: () => number, tuning: Partial<MessageIdIndexOptions> = {}) {
  const options = { ...DEFAULT_MESSAGE_ID_INDEX, ...tuning };
  const s = {
    claimed: db.prepare('SELECT source_id, message_id FROM message_ids WHERE h = ?'),
    overflowed: db.prepare('SELECT 1 FROM message_id_overflow WHERE source_id = ? AND message_id = ?').pluck(),
    insert: db.prepare('INSERT OR IGNORE INTO message_ids (h, source_id, message_id, received_at) VALUES (?, ?, ?, ?)'),
    insertOverflow: db.prepare('INSERT OR IGNORE INTO message_id_overflow (source_id, message_id, received_at) VALUES (?, ?, ?)'),
    through: db.prepare('SELECT through_seq FROM message_id_flush WHERE id = 1').pluck(),
    setThrough: db.prepare('UPDATE message_id_flush SET through_seq = max(through_seq, ?) WHERE id = 1'),
    eventsAfter: db.prepare('SELECT seq, source_id, message_id, received_at FROM events WHERE seq > ? ORDER BY seq').raw(true),
    keyCount: db.prepare('SELECT count(*) FROM message_ids').pluck(),
    keys: db.prepare('SELECT h FROM message_ids').pluck().safeIntegers(true),
  };

  /** Claims not yet in `message_ids` (as far as this connection knows), by (source, messageId). */
  let active = new PairMap<Claim>();
  /** Keys made ahead for claims to come (`prime`). */
  const primed = new PairMap<bigint>();
  /** A generation being written out, sorted by key; `written` of its entries are on disk. */
  let frozen: { byKey: PairMap<Claim>; sorted: Claim[]; written: number; throughSeq: number } | undefined;
  /** Highest event seq whose claim this connection holds (or knows to be on disk). */
  let knownSeq = 0;
  let built = false;
  /** Another connection committed since this one last looked: catch up before the next claim. */
  let stale = true;
  /**
   * Every key in `message_ids` (a Bloom filter), so a new messageId needs no probe of the b-tree. Only
   * while it is complete: dropped when another connection commits (it may have written keys) or when it
   * fills up, and built from the table inside a write transaction (nobody else writes meanwhile) once
   * `QUIET_BEFORE_FILTER` transactions passed without another writer. Pruned keys stay in it: a false
   * positive only costs the probe.
   */
  let onDiskKeys: KeyFilter | undefined;
  let quiet = QUIET_BEFORE_FILTER;

  // What the open transaction changed, undone on rollback.
  let claimedInTx: Claim[] = [];
  let sliceEnd: number | undefined;
  let seqInTx = 0;

  function writeClaim(claim: Claim): void {
    const inserted = s.insert.run(claim.h, claim.sourceId, claim.messageId, claim.at).changes === 1;
    onDiskKeys?.add(claim.h);
    if (inserted) return;
    // The key is taken: by this claim already, or by another (source, messageId) with the same 63-bit key,
    // in which case this one is kept exactly in the overflow table.
    if (!onDisk(claim.sourceId, claim.messageId, claim.h)) s.insertOverflow.run(claim.sourceId, claim.messageId, claim.at);
  }

  const insertRows = createRowsInsert(db, 'INSERT OR IGNORE', 'message_ids', ['h', 'source_id', 'message_id', 'received_at']);

  /**
   * Writes claims[from, to) in order, many per statement. A statement that inserted fewer rows than it had
   * met a taken key: its claims are written one by one.
   */
  function writeClaims(claims: Claim[], from: number, to: number): void {
    let at = from;
    while (at < to) {
      const rows = insertRows.rowsFor(to - at);
      const params: Array<bigint | string | number> = [];
      for (let i = at; i < at + rows; i++) {
        const c = claims[i]!;
        params.push(c.h, c.sourceId, c.messageId, c.at);
      }
      if (insertRows.run(params) < rows) for (let i = at; i < at + rows; i++) writeClaim(claims[i]!);
      else if (onDiskKeys) for (let i = at; i < at + rows; i++) onDiskKeys.add(claims[i]!.h);
      at += rows;
    }
  }

  function readEvents(afterSeq: number): void {
    for (const [seq, sourceId, messageId, receivedAt] of s.eventsAfter.iterate(afterSeq) as Iterable<
      [number, string, string, string | null]
    >) {
      const at = receivedAt ? epochMs(receivedAt) : nowMs();
      active.set(sourceId, messageId, { h: messageKey(sourceId, messageId), sourceId, messageId, at, backed: true });
      if (seq > knownSeq) knownSeq = seq;
    }
  }

  /** Brings memory up to date with the database; inside a write transaction, so nobody writes meanwhile. */
  function catchUp(): void {
    if (!stale) return;
    const through = s.through.get() as number;
    if (!built || through > knownSeq) {
      // Another connection moved everything this one knew to disk: start again from its point.
      active = new PairMap();
      frozen = undefined;
      knownSeq = through;
      built = true;
    }
    readEvents(knownSeq);
    stale = false;
  }

  /** Builds the filter of keys on disk from the table; inside a write transaction. */
  function buildFilter(): void {
    const count = s.keyCount.get() as number;
    // Room for half as many again before it is full and built anew: 3 bytes per key on disk.
    const filter = new KeyFilter(Math.max(1 << 20, Math.ceil(1.5 * count)));
    for (const h of s.keys.iterate() as Iterable<bigint>) filter.add(h);
    onDiskKeys = filter;
  }

  function onDisk(sourceId: string, messageId: string, h: bigint): boolean {
    if (onDiskKeys && !onDiskKeys.has(h)) return false;
    const row = s.claimed.get(h) as { source_id: string; message_id: string } | undefined;
    if (!row) return false;
    if (row.source_id === sourceId && row.message_id === messageId) return true;
    return s.overflowed.get(sourceId, messageId) !== undefined;
  }

  return {
    /** After BEGIN: `othersWrote` when another connection committed since this one's last transaction. */
    begin(othersWrote: boolean): void {
      if (!othersWrote) return;
      stale = true;
      onDiskKeys = undefined;
      quiet = 0;
    },

    /**
     * Keys hashed ahead, off the writer thread (see writer/ingest-thread-protocol.ts), for claims to come: a
     * claim takes its key from here instead of hashing on the writer. Bounded: a submission that never reaches
     * its claims (it failed first) leaves its keys behind until the next bound.
     */
    prime(sourceId: string, messageId: string, key: bigint): void {
      if (primed.size >= 1_000_000) primed.clear();
      primed.set(sourceId, messageId, key);
    },

    /** True when (source, messageId) is new: it is claimed now. */
    claim(sourceId: string, messageId: string, now: number): boolean {
      const key = primed.size > 0 ? primed.get(sourceId, messageId) : undefined;
      if (key !== undefined) primed.delete(sourceId, messageId);
      catchUp();
      if (onDiskKeys?.full) onDiskKeys = undefined;
      if (!onDiskKeys && quiet >= QUIET_BEFORE_FILTER) buildFilter();
      if (active.has(sourceId, messageId) || frozen?.byKey.has(sourceId, messageId)) return false;
      const h = key ?? messageKey(sourceId, messageId);
      if (onDisk(sourceId, messageId, h)) return false;
      const claim: Claim = { h, sourceId, messageId, at: now, backed: false };
      active.set(sourceId, messageId, claim);
      claimedInTx.push(claim);
      return true;
    },

    /** The event row of a claim is written (its seq): from now on the events table makes it durable. */
    backed(sourceId: string, messageId: string, seq: number): void {
      const claim = active.get(sourceId, messageId);
      if (claim) claim.backed = true;
      if (seq > seqInTx) seqInTx = seq;
    },

    /** Before COMMIT: claims without an event row go to disk now; one slice of a frozen generation too. */
    beforeCommit(): void {
      for (const claim of claimedInTx) if (!claim.backed) writeClaim(claim);
      if (frozen) {
        const end = Math.min(frozen.sorted.length, frozen.written + Math.ceil(frozen.sorted.length / options.slices));
        writeClaims(frozen.sorted, frozen.written, end);
        if (end === frozen.sorted.length) s.setThrough.run(frozen.throughSeq);
        sliceEnd = end;
      }
    },

    /** After COMMIT: what was written leaves memory; a full generation is frozen for writing out. */
    committed(): void {
      for (const claim of claimedInTx) if (!claim.backed) active.delete(claim.sourceId, claim.messageId);
      if (seqInTx > knownSeq) knownSeq = seqInTx;
      if (frozen && sliceEnd !== undefined) {
        frozen.written = sliceEnd;
        if (frozen.written === frozen.sorted.length) frozen = undefined;
      }
      if (!frozen && active.size >= options.flushAt) {
        const sorted = inKeyOrder([...active.values()]);
        frozen = { byKey: active, sorted, written: 0, throughSeq: knownSeq };
        active = new PairMap();
      }
      claimedInTx = [];
      sliceEnd = undefined;
      seqInTx = 0;
      quiet++;
    },

    /** After ROLLBACK: the transaction's claims never happened. */
    rolledBack(): void {
      for (const claim of claimedInTx) active.delete(claim.sourceId, claim.messageId);
      claimedInTx = [];
      sliceEnd = undefined;
      seqInTx = 0;
    },

    /** Forgets claims made before `cutoff` (epoch ms), as `pruneMessageIds` does on disk. */
    prune(cutoff: number): number {
      let n = 0;
      for (const map of [active, frozen?.byKey]) {
        for (const claim of [...(map?.values() ?? [])]) {
          if (claim.at < cutoff) {
            map!.delete(claim.sourceId, claim.messageId);
            n++;
          }
        }
      }
      return n;
    },

    /** Claims held in memory (for tests and metrics). */
    size(): number {
      return active.size + (frozen ? frozen.sorted.length - frozen.written : 0);
    },
  };
}

export type MessageIdIndex = ReturnType<typeof createMessageIdIndex>;
