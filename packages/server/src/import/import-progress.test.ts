import { describe, expect, it } from 'vitest';
import { createImportProgress } from './import-progress.ts';

function fakeStream(isTTY: boolean): { out: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const out = { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { out, written };
}

describe('import progress', () => {
  it('draws rows, rows/s, percent and ETA on a terminal, at most every 200 ms', () => {
    let t = 0;
    const { out, written } = fakeStream(true);
    const bar = createImportProgress({ out, totalBytes: 1000, now: () => t });
    t = 1000;
    bar.update(2000, 250);
    t = 1100;
    bar.update(2100, 260);
    t = 2000;
    bar.update(4000, 500);
    bar.finish();
    expect(written).toHaveLength(4);
    expect(written[1]).toContain('50.0%');
    expect(written[1]).toContain('4,000 rows');
    expect(written[1]).toContain('2,000 rows/s');
    expect(written[1]).toContain('ETA 2s');
    expect(written.at(-1)).toBe('\n');
  });

  it('writes nothing when stderr is not a terminal', () => {
    const { out, written } = fakeStream(false);
    const bar = createImportProgress({ out, totalBytes: 10 });
    bar.update(1, 1);
    bar.finish();
    expect(written).toEqual([]);
  });
});
