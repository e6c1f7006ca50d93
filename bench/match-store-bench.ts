/**
 * Incremental matching over a store (issue 19, item 3), run by `npm run bench:match`:
 *
 * `--incremental-store N`: one arriving record matched against N stored profiles through the persistent
 * blocking index of a SQLite store (match_keys), as the server's follower does it: keys of the arrival,
 * the profiles sharing one (at most 200) with their stored normalised records (match_profiles), scoring. The N profiles (generated people,
 * a third duplicates) are written straight into the tables the write path keeps (traits, match_keys,
 * match_profiles): filling them through ingest would take an hour. The arrivals run twice: decoding every
 * candidate's stored normalised record, then through the follower's candidate cache (match-candidate-cache.ts), whose links
 * must be the same; beside each, a point read of one profile's person traits. Target: p99 < 10 ms at
 * N = 1,000,000.
 *
 * `--import-match N`: `kin import` of N generated rows into a fresh SQLite store with incremental matching
 * off, then on (the follower running beside the import, as in a server, and drained at the end); the
 * figure is rows per second until every row is imported and matched. Goal: on ≥ 0.5 × off.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, parsePolicy } from '@kin/core';
import type { IdentityPolicy } from '@kin/core';
import {
  encodeNormalised,
  generatePeople,
  incrementalKeys,
  matchRecords,
  modelParameters,
  scoreNormalised,
} from '@kin/core/matching/index.ts';
import type { MatchRecord } from '@kin/core/matching/index.ts';
import { resolveDepsFor } from '../packages/server/src/identity/policy-load.ts';
import { importFile } from '../packages/server/src/import/import-file.ts';
import { applyMatchSwitch, createMatchFollower } from '../packages/server/src/matching/match-follower.ts';
import { candidateRecords, createCandidateCache, type CandidateCache } from '../packages/server/src/matching/match-candidate-cache.ts';
import { hashMatchKey, matchKeysOf } from '../packages/server/src/matching/match-keys.ts';
import {
  MATCH_NORMALISER,
  MATCH_ROLES,
  MATCH_TRAIT_KEYS,
  profileToRecord,
  recordHashOf,
} from '../packages/server/src/matching/match-profiles.ts';
import { systemClock } from '../packages/server/src/ports/clock.ts';
import { memoryLogger } from '../packages/server/src/ports/logger.ts';
import type { TraitProfile } from '../packages/server/src/storage/matching-store.ts';
import { openSqliteStore } from '../packages/server/src/storage/sqlite/sqlite-store.ts';
import { createIdGenerator } from '../packages/server/src/ports/ids.ts';

const fmt = (n: number, digits = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const at = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** A generated person as the traits an import would store. */
function traitsOf(headers: readonly string[], row: readonly string[]): Array<{ key: string; value: unknown }> {
  const v = (h: string): string => row[headers.indexOf(h)] ?? '';
  const out: Array<{ key: string; value: unknown }> = [];
  const put = (key: string, value: unknown): void => {
    if (value !== '' && value !== undefined) out.push({ key, value });
  };
  put('firstName', v('first_name'));
  put('lastName', v('last_name'));
  put('birthday', v('dob'));
  put('email', v('email'));
  put('phone', v('phone'));
  const address: Record<string, string> = {};
  if (v('city') !== '') address['city'] = v('city');
  if (v('postcode') !== '') address['postalCode'] = v('postcode');
  if (Object.keys(address).length > 0) out.push({ key: 'address', value: address });
  return out;
}

const idOf = (i: number): string => `p${String(i).padStart(9, '0')}`;

/** The generated stored profiles and arrivals of `--incremental-store`. */
function generatedProfiles(count: number): { profiles: TraitProfile[]; entity: Int32Array } {
  const people = generatePeople({ count: count + 1000, seed: 7 });
  return {
    profiles: people.rows.map((row, i) => ({
      id: idOf(i),
      traits: traitsOf(people.headers, row).map((t) => ({ ...t, sourceId: 'crm' })),
    })),
    entity: Int32Array.from(people.entity),
  };
}

/** Writes the first `count` profiles straight into the tables the write path keeps (traits, match_keys, match_profiles). */
function fillStore(path: string, profiles: readonly TraitProfile[], count: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const trait = db.prepare(
    "INSERT INTO traits (profile_id, key, value, ts, source_id) VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z', 'crm')",
  );
  const key = db.prepare('INSERT OR IGNORE INTO match_keys (key, profile_id) VALUES (?, ?)');
  const indexed = db.prepare(
    'INSERT INTO match_profiles (profile_id, keys, seq, pending, record_hash, normalised) VALUES (?, ?, 0, 0, ?, ?)',
  );
  for (let start = 0; start < count; start += 10_000) {
    const batch = profiles.slice(start, Math.min(count, start + 10_000));
    const records = batch.map((p) => profileToRecord(p, (id) => id));
    const present = records.flatMap((r) => (r ? [r] : []));
    const keys = incrementalKeys(present, MATCH_ROLES);
    let k = 0;
    db.transaction(() => {
      batch.forEach((p, b) => {
        for (const t of p.traits) trait.run(p.id, t.key, JSON.stringify(t.value));
        const record = records[b];
        if (!record) return;
        const hashed = [...new Set((keys[k++] ?? []).map(hashMatchKey))].sort();
        for (const h of hashed) key.run(h, p.id);
        indexed.run(p.id, JSON.stringify(hashed), recordHashOf(record), encodeNormalised(MATCH_NORMALISER.normalise(record)));
      });
    })();
  }
  // The index is kept (and read) only while the file's switch is on (sqlite-match-switch.ts).
  db.prepare('UPDATE match_switch SET incremental = 1').run();
  db.close();
}

/**
 * One arrival against `count` stored profiles through the persistent index, twice in one run: reading
 * every candidate (no cache: the baseline), then with the follower's candidate cache; the links of the two
 * must be the same. `--store-db PATH` keeps the filled store there and reuses it (filling 1,000,000 takes
 * about ten minutes).
 */
export async function runIncrementalStore(count: number, keepAt?: string): Promise<Record<string, unknown>> {
  const dir = keepAt ?? mkdtempSync(join(tmpdir(), 'kin-match-store-'));
  const path = join(dir, `kin-${count}.db`);
  try {
    const generated = generatedProfiles(count);
    const fillStart = performance.now();
    const filled = !existsSync(path);
    if (filled) {
      // Filled under another name, then renamed: an interrupted fill is never reused as a whole one.
      mkdirSync(dir, { recursive: true });
      const filling = `${path}.filling`;
      rmSync(filling, { force: true });
      await (await openSqliteStore({ path: filling })).close();
      fillStore(filling, generated.profiles, count);
      renameSync(filling, path);
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;
    // Only the arrivals, the warm-up and the truth stay in memory: the stored million are the store's, and
    // the benchmark's own copy of them would make every garbage collection of the matcher walk it.
    const arrivals = generated.profiles.slice(count);
    const warmUp = Array.from({ length: 200 }, (_, q) => generated.profiles[(q * 997) % count]!);
    const entity = generated.entity;
    generated.profiles.length = 0;
    // Run with `node --expose-gc`, the generated million are collected before anything is measured: left to
    // the collector, they made every young-generation collection during the arrivals slower (a 2 GB heap).
    (globalThis as { gc?: () => void }).gc?.();

    const store = await openSqliteStore({ path });
    const matching = store.matching;
    // A store filled before migration 47 holds no normalised records: the backfill completes it, as a server's does.
    let normalisedLater = 0;
    for (let n = await matching.backfillMatchIndex(10_000); n > 0; n = await matching.backfillMatchIndex(10_000)) normalisedLater += n;
    if (normalisedLater > 0) console.log(`  ${normalisedLater.toLocaleString('en-US')} stored profiles normalised by the backfill`);
    const sample = (await matching.scanProfileTraits({ keys: [...MATCH_TRAIT_KEYS], limit: 20_000 })).flatMap(
      (p) => profileToRecord(p, (id) => id) ?? [],
    );
    const parameters = modelParameters(matchRecords({ records: sample, roles: MATCH_ROLES, mode: 'dedupe' }).model);
    const storedEntities = new Set(entity.subarray(0, count));
    const measure = async (cache: CandidateCache) => {
      // As match-arrival.ts, for a profile that is not stored: keys, candidates with their hashes, records, scoring.
      const arrive = async (profile: TraitProfile) => {
        const record = profileToRecord(profile, (id) => id) as MatchRecord;
        const found = await matching.candidatesByMatchKeys(matchKeysOf(profile), 200);
        const candidates = await candidateRecords(matching, cache, found);
        return scoreNormalised(MATCH_NORMALISER.normalise({ ...record, key: profile.id }), candidates, { roles: MATCH_ROLES, parameters });
      };
      // Warm-up (JIT, page cache): 200 stored profiles arrive again, unmeasured.
      for (const profile of warmUp) await arrive(profile);
      const wall: number[] = [];
      const cpu: number[] = [];
      const baseline: number[] = [];
      const links: string[] = [];
      let duplicates = 0;
      let found = 0;
      let wrong = 0;
      let compared = 0;
      for (const [a, profile] of arrivals.entries()) {
        if (!profileToRecord(profile, (id) => id)) continue;
        const started = performance.now();
        const cpuStart = process.cpuUsage();
        const result = await arrive(profile);
        const used = process.cpuUsage(cpuStart);
        wall.push(performance.now() - started);
        cpu.push((used.user + used.system) / 1000);
        compared += result.compared;
        links.push(result.links.map((l) => `${l.key}:${l.weight}`).join(','));
        const b0 = performance.now();
        await matching.profileTraits([idOf(a)], [...MATCH_TRAIT_KEYS]);
        baseline.push(performance.now() - b0);
        const e = entity[count + a];
        if (storedEntities.has(e ?? -1)) duplicates++;
        const linked = result.links.map((l) => entity[Number(l.key.slice(1))]);
        if (linked.includes(e)) found++;
        wrong += linked.filter((x) => x !== e).length;
      }
      for (const list of [wall, cpu, baseline]) list.sort((x, y) => x - y);
      const figures = {
        p50Ms: at(wall, 0.5),
        p99Ms: at(wall, 0.99),
        cpuP50Ms: at(cpu, 0.5),
        cpuP99Ms: at(cpu, 0.99),
        pointReadP50Ms: at(baseline, 0.5),
        comparedPerArrival: compared / wall.length,
        arrivals: wall.length,
        duplicates,
        found,
        wrong,
      };
      return { figures, links };
    };
    const { figures: uncached, links: uncachedLinks } = await measure(createCandidateCache(0));
    const cache = createCandidateCache();
    const { figures: cached, links: cachedLinks } = await measure(cache);
    await store.close();
    const identical = uncachedLinks.every((l, i) => l === cachedLinks[i]);
    const line = (label: string, r: typeof cached): string =>
      `  ${label}: wall p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms; CPU p50 ${fmt(r.cpuP50Ms)} ms, p99 ${fmt(r.cpuP99Ms)} ms (target p99 < 10 ms); ` +
      `baseline point read of one profile's traits p50 ${fmt(r.pointReadP50Ms, 3)} ms (ratio p50 ${fmt(r.p50Ms / r.pointReadP50Ms, 0)}x)`;
    console.log(
      `incremental (SQLite index): 1 record vs ${count.toLocaleString('en-US')} stored, ${fmt(cached.comparedPerArrival, 0)} compared per arrival (index ${filled ? `filled in ${fmt(fillSeconds, 0)} s` : `reused from ${path}`})`,
    );
    console.log(line('no cache (stored normalised records, else traits)', uncached));
    console.log(
      `${line('candidate cache', cached)}; CPU p99 cached / uncached ${fmt(cached.cpuP99Ms / uncached.cpuP99Ms)}; ${cache.hits} hits, ${cache.misses} misses, ${cache.size} cached`,
    );
    console.log(
      `  ${cached.duplicates} of ${cached.arrivals} arriving records have a stored duplicate; ${cached.found} linked to a true duplicate; ${cached.wrong} links to a wrong record; links with and without the cache ${identical ? 'identical' : 'DIFFER'}`,
    );
    return { stored: count, fillSeconds, uncached, cached, identical };
  } finally {
    if (keepAt === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** `kin import` of `rows` generated rows with incremental matching off, then on. */
export async function runImportMatch(rows: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kin-import-match-'));
  try {
    const people = generatePeople({ count: rows, seed: 11 });
    const file = join(dir, 'people.csv');
    writeFileSync(file, [['id', ...people.headers].join(','), ...people.rows.map((r, i) => [`R${i}`, ...r].join(','))].join('\n') + '\n');
    const on = parsePolicy({ matching: { incremental: true } });
    if (!on.ok) throw new Error('policy');
    const run = async (policy: IdentityPolicy, label: string) => {
      const store = await openSqliteStore({ path: join(dir, `${label}.db`) });
      await applyMatchSwitch(store, policy);
      const follower = createMatchFollower({
        store,
        policy,
        clock: systemClock,
        ids: createIdGenerator(),
        logger: memoryLogger(),
        pollMs: 50,
      });
      follower.start();
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      const summary = await importFile({ file, source: 'crm', store, ...resolveDepsFor(policy, store) });
      const imported = (performance.now() - started) / 1000;
      await follower.stop();
      // As a server matches: its loop keeps the model until the store outgrows it (a test drain would learn it again).
      await follower.drain({ keepModel: true });
      const total = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      await store.close();
      return {
        // CPU seconds of the process (every thread): on a loaded machine a steadier cost than wall time.
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        imported: summary.imported,
        importSeconds: imported,
        totalSeconds: total,
        rowsPerSecond: rows / total,
        stats: { ...follower.stats },
      };
    };
    const off = await run(DEFAULT_POLICY, 'off');
    const onRun = await run(on.policy, 'on');
    const ratio = onRun.rowsPerSecond / off.rowsPerSecond;
    const cpuRatio = off.cpuSeconds / onRun.cpuSeconds;
    console.log(
      `import ${rows.toLocaleString('en-US')} rows (SQLite): matching off ${fmt(off.rowsPerSecond, 0)} rows/s; on ${fmt(onRun.rowsPerSecond, 0)} rows/s until every row is matched ` +
        `(import alone ${fmt(onRun.importSeconds, 1)} s vs ${fmt(off.importSeconds, 1)} s off); ratio on/off ${fmt(ratio)} (goal >= 0.50); CPU ${fmt(off.cpuSeconds, 1)} s off, ${fmt(onRun.cpuSeconds, 1)} s on (throughput ratio by CPU ${fmt(cpuRatio)}); ` +
        `${onRun.stats.matched} matched, ${onRun.stats.merged} merged, ${onRun.stats.queued} queued, ${onRun.stats.refused} refused by the policy; model learnt ${onRun.stats.learnt} times`,
    );
    return { rows, off, on: onRun, ratio, cpuRatio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
