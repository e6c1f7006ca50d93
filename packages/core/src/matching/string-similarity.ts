/**
 * String comparators used by the comparison levels. All are pure and allocation-light because they
 * run once per candidate pair per field (millions of times at scale).
 */

// Scratch stamps reused across calls: jaro runs millions of times and must neither allocate nor clear.
let scratchA = new Uint32Array(64);
let scratchB = new Uint32Array(64);
let stamp = 0;

/** Jaro similarity in [0, 1]; 0 as soon as fewer than `minMatches` matching characters remain possible. */
export function jaro(a: string, b: string, minMatches = 0): number {
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
    if (matches + la - i - 1 < minMatches) return 0;
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

/**
 * Jaro–Winkler similarity in [0, 1] with the standard prefix scale 0.1 and prefix cap 4. With `floor`,
 * pairs whose lengths alone cap the similarity below it return 0 without the character scan: levels
 * only ask "at least 0.92 / 0.8", and most candidate pairs are far below.
 */
export function jaroWinkler(a: string, b: string, floor = 0, prefixScale = 0.1): number {
  let prefix = 0;
  const max = Math.min(4, a.length, b.length);
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  const boost = prefix * prefixScale;
  let minMatches = 0;
  if (floor > 0 && a !== b) {
    const la = a.length;
    const lb = b.length;
    if (la === 0 || lb === 0) return 0;
    // Jaro needed for the floor given the known prefix, then the matches that Jaro needs:
    // jaro <= (m/la + m/lb + 1) / 3 (no transpositions).
    const needed = boost >= 1 ? 0 : (floor - boost) / (1 - boost);
    minMatches = Math.ceil((3 * needed - 1) / (1 / la + 1 / lb) - 1e-9);
    if (minMatches > (la < lb ? la : lb)) return 0;
  }
  const j = jaro(a, b, minMatches);
  if (j === 0) return 0;
  return j + boost * (1 - j);
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
      i + 1 < la && a.charCodeAt(i) === b.charCodeAt(i + 1) && a.charCodeAt(i + 1) === b.charCodeAt(i) && tailEqual(a, i + 2, b, i + 2)
    );
  }
  return la > lb ? tailEqual(a, i + 1, b, i) : tailEqual(a, i, b, i + 1);
}

/** Share of distinct tokens in common (Jaccard) of two whitespace-tokenised strings. */
export function tokenJaccard(a: string, b: string): number {
  return sortedTokenJaccard(distinctSortedTokens(a), distinctSortedTokens(b));
}

/** Distinct non-empty tokens, sorted: the precomputed form {@link sortedTokenJaccard} takes. */
export function distinctSortedTokens(value: string): string[] {
  return [...new Set(value.split(' ').filter((t) => t.length > 0))].sort();
}

/** Jaccard of two distinct sorted token lists by a merge walk (no sets allocated per pair). */
export function sortedTokenJaccard(ta: readonly string[], tb: readonly string[]): number {
  if (ta.length === 0 || tb.length === 0) return 0;
  let x = 0;
  let y = 0;
  let inter = 0;
  while (x < ta.length && y < tb.length) {
    const p = ta[x] ?? '';
    const q = tb[y] ?? '';
    if (p === q) {
      inter++;
      x++;
      y++;
    } else if (p < q) x++;
    else y++;
  }
  return inter / (ta.length + tb.length - inter);
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
