/**
 * Files a scan's events per live profile from the store's columns (`scanColumns`, analytics-store.ts) and hands
 * each profile's sequence, ordered by time then seq, to the computation one at a time: the path of `eachSequence`
 * (analytics-units.ts) for a question on the `profile` unit that reads neither identity nor JSON (a funnel without
 * conditions or breakdown, paths by event).
 *
 * Why columns: the events of the whole scan stay numbers in a few typed arrays (unit, time, seq, name) until
 * their unit is handed over; a batch's names and profiles are lists the events index, each mapped to a unit once
 * (the SQLite store hands every batch the same list of profile numbers), so no string is created or looked up per
 * event. Funnel at 1,000,000 events: see docs/analytics.md.
 */
import type { AnalyticsEvent, AnalyticsUnit } from '@kin/core';
import { byTime } from '@kin/core';
import { stringNumbers } from '../storage/analytics-store.ts';
import type { SequenceScan } from './analytics-units.ts';

/** Growable typed columns: each event's unit, time, seq and name index. */
class Columns {
  length = 0;
  unit = new Int32Array(1024);
  at = new Float64Array(1024);
  seq = new Float64Array(1024);
  name = new Int32Array(1024);

  /** Room for `more` events. */
  reserve(more: number): void {
    const need = this.length + more;
    if (need <= this.unit.length) return;
    let size = this.unit.length;
    while (size < need) size *= 2;
    const grow = <T extends Int32Array | Float64Array>(from: T, to: T): T => (to.set(from.subarray(0, this.length)), to);
    this.unit = grow(this.unit, new Int32Array(size));
    this.at = grow(this.at, new Float64Array(size));
    this.seq = grow(this.seq, new Float64Array(size));
    this.name = grow(this.name, new Int32Array(size));
  }
}

/** `eachSequence` for the `profile` unit over the store's columns (see the file comment); answers how many events were scanned. */
export async function eachProfileSequence(
  options: SequenceScan,
  each: (unit: AnalyticsUnit, key: string, events: AnalyticsEvent[]) => void,
): Promise<number> {
  const live = await options.analytics.liveProfiles();
  const units = stringNumbers();
  const names = stringNumbers();
  const nameOf = (name: string): number => (options.keepName && !options.keepName(name) ? -1 : names.of(name));
  // Each batch's profiles mapped to units when first met; a store may hand the same (growing) list to every batch.
  let mapped: readonly string[] | undefined;
  let unitMap = new Int32Array(0);
  const c = new Columns();
  const { fromMs, toMs, names: scanNames, deadline } = options.scan;
  const scanned = await options.analytics.scanColumns({ fromMs, toMs, deadline, ...(scanNames ? { names: scanNames } : {}) }, (batch) => {
    const nameMap = batch.names.map(nameOf);
    if (batch.profiles !== mapped) unitMap = new Int32Array(batch.profiles.length).fill(-1);
    else if (unitMap.length < batch.profiles.length) {
      const grown = new Int32Array(batch.profiles.length).fill(-1);
      grown.set(unitMap);
      unitMap = grown;
    }
    mapped = batch.profiles;
    c.reserve(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const name = nameMap[batch.name[i] as number] as number;
      if (name < 0) continue;
      const p = batch.profile[i] as number;
      const seq = batch.seq[i] as number;
      const k = c.length++;
      let unit = p < 0 ? units.of(`event:${seq}`) : (unitMap[p] as number);
      if (unit < 0) {
        const id = batch.profiles[p] as string;
        unit = unitMap[p] = units.of(live.get(id) ?? id);
      }
      c.unit[k] = unit;
      c.at[k] = batch.at[i] as number;
      c.seq[k] = seq;
      c.name[k] = name;
    }
  });
  // A counting sort by unit: `starts[u]` is where unit u's events begin in `order`.
  const starts = new Int32Array(units.list.length + 1);
  for (let i = 0; i < c.length; i++) {
    const u = (c.unit[i] as number) + 1;
    starts[u] = (starts[u] as number) + 1;
  }
  for (let u = 0; u < units.list.length; u++) starts[u + 1] = (starts[u + 1] as number) + (starts[u] as number);
  const order = new Int32Array(c.length);
  const next = starts.slice(0, units.list.length);
  for (let i = 0; i < c.length; i++) {
    const u = c.unit[i] as number;
    const at = next[u] as number;
    order[at] = i;
    next[u] = at + 1;
  }
  for (let u = 0; u < units.list.length; u++) {
    const events: AnalyticsEvent[] = [];
    for (let j = starts[u] as number; j < (starts[u + 1] as number); j++) {
      const i = order[j] as number;
      events.push({
        messageId: '',
        at: c.at[i] as number,
        seq: c.seq[i] as number,
        name: names.list[c.name[i] as number] as string,
        channel: 'other',
      });
    }
    each('profile', units.list[u] as string, events.sort(byTime));
  }
  return scanned;
}
