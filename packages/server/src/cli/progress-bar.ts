/** A tiny progress bar on a TTY stream (nothing when the stream is not a terminal, e.g. in CI or a pipe). */

/** What a command reports progress to. */
export interface ProgressBar {
  update(done: number, total: number): void;
  done(): void;
}

/** A bar like `replaying [#########-----------]  45% 4500/10000`, redrawn in place. */
export function createProgressBar(stream: { isTTY?: boolean; write(text: string): unknown }, label: string, width = 30): ProgressBar {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  let drawn = false;
  return {
    update(done, total) {
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(ratio * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
