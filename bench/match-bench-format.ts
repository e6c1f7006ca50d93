/** The match benchmark's command-line flags and number format, shared by its files (match-*-bench.ts). */

/** The value after flag `name` on the command line. */
export function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** `x` with `digits` decimals. */
export function fmt(x: number, digits = 4): string {
  return x.toFixed(digits);
}
