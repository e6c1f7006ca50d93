/**
 * A one-line progress bar for `kin import`: rows, rows/s, and percent and ETA when the input size is
 * known. Only on a terminal (stderr TTY): redirected output stays clean.
 */

/** The progress port: a no-op twin when stderr is not a terminal. */
export interface ImportProgress {
  update(rows: number, bytes: number): void;
  finish(): void;
}

/** Creates the bar on `out` when it is a TTY, else a no-op. `now` is injectable for tests. */
export function createImportProgress(options: {
  out: NodeJS.WriteStream;
  totalBytes?: number;
  /** Where a resumed import starts: rows and bytes committed by an earlier run (not counted in the rate). */
  startBytes?: number;
  startRows?: number;
  now?: () => number;
}): ImportProgress {
  if (!options.out.isTTY) return { update: () => undefined, finish: () => undefined };
  const now = options.now ?? (() => performance.now());
  const started = now();
  const startBytes = options.startBytes ?? 0;
  const startRows = options.startRows ?? 0;
  let lastDraw = 0;
  const draw = (rows: number, bytes: number, force: boolean): void => {
    const t = now();
    if (!force && t - lastDraw < 200) return;
    lastDraw = t;
    const seconds = Math.max(0.001, (t - started) / 1000);
    const rate = (rows - startRows) / seconds;
    let line = `${rows.toLocaleString('en-US')} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s`;
    const total = options.totalBytes;
    if (total !== undefined && total > 0) {
      const share = Math.min(1, bytes / total);
      const width = 24;
      const filled = Math.round(share * width);
      const byteRate = (bytes - startBytes) / seconds;
      const eta = byteRate > 0 ? (total - bytes) / byteRate : undefined;
      line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1)}%  ${line}${eta !== undefined ? `  ETA ${formatSeconds(eta)}` : ''}`;
    }
    options.out.write(`\r${line}\u001b[K`);
  };
  let last: [number, number] = [0, 0];
  return {
    update(rows, bytes) {
      last = [rows, bytes];
      draw(rows, bytes, false);
    },
    finish() {
      draw(last[0], last[1], true);
      options.out.write('\n');
    },
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
