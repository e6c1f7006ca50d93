/**
 * String comparators used by the comparison levels. All are pure and allocation-light because they
 * run once per candidate pair per field (millions of times at scale).
 */

// Scratch stamps reused across calls: jaro runs millions of times and must neither allocate nor clear.
let scratchA = new Uint32Array(64);
let scratchB = new Uint32Array(64);
let stamp = 0;

/** Jaro similarity in [0, 1]. */
export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  if (scratchA.length < la) scratchA = new Uint32Array(la * 2);
  if (scratchB.length < lb) scratchB = new Uint32Array(lb * 2);
  const matchedA = scratchA;
  const matchedB = scratchB;
  stamp = stamp === 0xffffffff ? 1 : stamp + 1;
  if (stamp === 1) {
    matchedA.fill(0);
    matchedB.fill(0);
  }
  const on = stamp;
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const ca = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if (matchedB[j] !== on && b.charCodeAt(j) === ca) {
        matchedA[i] = on;
        matchedB[j] = on;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (matchedA[i] !== on) continue;
    while (matchedB[k] !== on) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions++;
    k++;
  }
  const m = matches;
  return (m / la + m / lb + (m - transpositions / 2) / m) / 3;
}

/** Jaro–Winkler similarity in [0, 1] with the standard prefix scale 0.1 and prefix cap 4. */
export function jaroWinkler(a: string, b: string, prefixScale = 0.1): number {
  const j = jaro(a, b);
  if (j === 0) return 0;
  let prefix = 0;
  const max = Math.min(4, a.length, b.length);
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * prefixScale * (1 - j);
}

/**
 * Levenshtein edit distance, stopping early once it must exceed `max` (returns `max + 1` then).
 * Why the bound: levels only ask "≤ 1" or "≤ 2", and the band keeps the cost linear in length.
 */
export function levenshtein(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  let la = a.length;
  let lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (la === 0) return lb;
  if (lb === 0) return la;
  if (la > lb) {
    const t = a;
    a = b;
    b = t;
    la = a.length;
    lb = b.length;
  }
  let prev = new Array<number>(la + 1);
  let cur = new Array<number>(la + 1);
  for (let i = 0; i <= la; i++) prev[i] = i;
  for (let j = 1; j <= lb; j++) {
    cur[0] = j;
    let rowMin = j;
    const cb = b.charCodeAt(j - 1);
    for (let i = 1; i <= la; i++) {
      const cost = a.charCodeAt(i - 1) === cb ? 0 : 1;
      const v = Math.min((prev[i] ?? 0) + 1, (cur[i - 1] ?? 0) + 1, (prev[i - 1] ?? 0) + cost);
      cur[i] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[la] ?? 0;
}

/** Tails x[xi..] and y[yi..] equal, compared without allocating substrings. */
function tailEqual(x: string, xi: number, y: string, yi: number): boolean {
  if (x.length - xi !== y.length - yi) return false;
  for (; xi < x.length; xi++, yi++) if (x.charCodeAt(xi) !== y.charCodeAt(yi)) return false;
  return true;
}

/**
 * Optimal-string-alignment distance capped at 1: true when the strings differ by one substitution,
 * insertion, deletion or adjacent transposition (the common keying errors in dates and codes).
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (la - lb > 1 || lb - la > 1) return false;
  let i = 0;
  while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (la === lb) {
    if (tailEqual(a, i + 1, b, i + 1)) return true;
    return (
      i + 1 < la &&
      a.charCodeAt(i) === b.charCodeAt(i + 1) &&
      a.charCodeAt(i + 1) === b.charCodeAt(i) &&
      tailEqual(a, i + 2, b, i + 2)
    );
  }
  return la > lb ? tailEqual(a, i + 1, b, i) : tailEqual(a, i, b, i + 1);
}

/** Share of distinct tokens in common (Jaccard) of two whitespace-tokenised strings. */
export function tokenJaccard(a: string, b: string): number {
  const ta = new Set(a.split(' ').filter((t) => t.length > 0));
  const tb = new Set(b.split(' ').filter((t) => t.length > 0));
  if (ta.size === 0 || tb.size === 0) return 0;
  let inter = 0;
  for (const t of ta) if (tb.has(t)) inter++;
  return inter / (ta.size + tb.size - inter);
}

/** American Soundex code (e.g. `robert` → `R163`); empty for strings without letters. */
export function soundex(value: string): string {
  const s = value.toUpperCase().replace(/[^A-Z]/g, '');
  if (s.length === 0) return '';
  const codes = '01230120022455012623010202';
  let out = s[0] ?? '';
  let last = codes[s.charCodeAt(0) - 65] ?? '0';
  for (let i = 1; i < s.length && out.length < 4; i++) {
    const ch = s[i] ?? '';
    const code = codes[s.charCodeAt(i) - 65] ?? '0';
    if (code !== '0' && code !== last) out += code;
    // H and W do not separate equal codes; vowels do.
    if (ch !== 'H' && ch !== 'W') last = code;
  }
  return out.padEnd(4, '0');
}
