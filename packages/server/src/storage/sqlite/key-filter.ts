/**
 * A Bloom filter of 63-bit keys that are already uniform hashes (messageId keys, see `messageKey`): `has`
 * never answers false for a key that was added, and answers true for an absent one about 0.25 % of the time
 * while it holds at most `capacity` keys (16 bits per key, 4 probes, at most 256 MiB). Why: most claims are
 * of new messageIds, and asking the b-tree whether one is on disk costs a descent of it per event (1.7 µs
 * with every page cached; with a 30-day window of a busy shop, many of those pages are not).
 */
export class KeyFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private count = 0;

  constructor(readonly capacity: number) {
    // A power of two of at least 16 bits per key, so a probe position is a mask, not a division; at most
    // 2^31 bits (256 MiB), so the mask stays a positive 32-bit integer.
    const size = 2 ** Math.min(31, Math.max(10, Math.ceil(Math.log2(capacity * 16))));
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  /** Keys added so far (the filter is only as good as promised while this stays within `capacity`). */
  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count > this.capacity;
  }

  add(key: bigint): void {
    const [a, b] = halves(key);
    for (let i = 0; i < 4; i++) {
      const at = (a + i * b) & this.mask;
      this.bits[at >>> 5]! |= 1 << (at & 31);
    }
    this.count++;
  }

  has(key: bigint): boolean {
    const [a, b] = halves(key);
    for (let i = 0; i < 4; i++) {
      const at = (a + i * b) & this.mask;
      if ((this.bits[at >>> 5]! & (1 << (at & 31))) === 0) return false;
    }
    return true;
  }
}

/** The key's low 32 bits and its next 31 bits made odd: the start and step of the four probes. */
function halves(key: bigint): [number, number] {
  return [Number(key & 0xffff_ffffn) >>> 0, (Number((key >> 32n) & 0x7fff_ffffn) | 1) >>> 0];
}
