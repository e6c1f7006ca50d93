/**
 * The reader on hostile input: a quoted field of millions of newlines, a line of megabytes, an unclosed
 * quote early in a large file. Each must read in bounded memory, copy each byte a bounded number of
 * times, and cost at most the bad row.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openRowStream, type OpenRowStreamOptions, type ReadRow } from './import-reader.ts';

const MiB = 1024 * 1024;

/** Chunks of `size` bytes: the head, `count` bytes of `fill`, the tail (never one big buffer). */
function* pieces(head: string, fill: number, count: number, tail: string, size = 64 * 1024): Generator<Buffer> {
  yield Buffer.from(head);
  const block = Buffer.alloc(size, fill);
  for (let left = count; left > 0; left -= size) yield left >= size ? block : block.subarray(0, left);
  yield Buffer.from(tail);
}

function* split(text: string, size: number): Generator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(chunks: Iterable<Buffer>, options: OpenRowStreamOptions, onChunk?: () => void) {
  const source = (async function* () {
    for (const chunk of chunks) {
      onChunk?.();
      yield chunk;
    }
  })();
  const stream = await openRowStream(source, options);
  const rows: ReadRow[] = [];
  for await (const row of stream.rows) rows.push(row);
  return { rows, stats: stream.stats(), bytesRead: stream.bytesRead() };
}

describe('import reader: bounded memory and linear work on hostile input', () => {
  it('reads a quoted field of 20 MB of newlines without holding it: one reject, then the rows after it', async () => {
    const before = process.memoryUsage();
    let peakRss = 0;
    let peakArrayBuffers = 0;
    const sample = (): void => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss - before.rss);
      peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers - before.arrayBuffers);
    };
    const { rows, stats } = await readAll(
      pieces('id,note\n1,"', 10, 20 * MiB, '"\n2,after\n'),
      { format: 'csv', maxRecordBytes: MiB },
      sample,
    );
    sample();
    console.log(
      `20 MB of newlines in a quoted field: peak RSS +${(peakRss / MiB).toFixed(1)} MB, arrayBuffers +${(peakArrayBuffers / MiB).toFixed(1)} MB, held ${stats.peakHeldBytes} bytes`,
    );
    // The bad row is rejected where it started; the closing quote then opens a field that never closes
    // (rejected too), and the reader resynchronises on the next line, which is read as usual.
    expect(rows.map((r) => r.reject?.code ?? r.values)).toEqual(['record_too_large', 'unclosed_quote', { id: '2', note: 'after' }]);
    expect(rows[0]?.line).toBe(2);
    expect(rows[0]?.reject?.reason).toMatch(/resumed at line 3/);
    expect(rows[2]?.line).toBe(20 * MiB + 3);
    expect(stats.peakHeldBytes).toBeLessThanOrEqual(MiB + 64 * 1024);
    expect(stats.bytesCopied).toBeLessThan(4 * MiB);
    expect(peakRss).toBeLessThan(200 * MiB);
    expect(peakArrayBuffers).toBeLessThan(64 * MiB);
  });

  it('rejects a 5 MB JSON line over the limit without holding or copying it, and reads the next line', async () => {
    const { rows, stats } = await readAll(pieces('{"id":"a","note":"', 0x61, 5 * MiB, '"}\n{"id":"b"}\n', 1024), {
      format: 'jsonl',
      maxRecordBytes: MiB,
    });
    expect(rows.map((r) => r.reject?.code ?? r.values)).toEqual(['record_too_large', { id: 'b' }]);
    expect(rows.map((r) => r.line)).toEqual([1, 2]);
    expect(stats.bytesCopied).toBe(0);
    expect(stats.peakHeldBytes).toBeLessThanOrEqual(MiB);
    expect(stats.bytesScanned).toBe(5 * MiB + 18 + 14);
  });

  it('joins a long line that fits once: bytes copied grow linearly with its length, not quadratically', async () => {
    const { rows, stats } = await readAll(pieces('{"id":"a","note":"', 0x61, 900 * 1024, '"}\n', 1024), {
      format: 'jsonl',
      maxRecordBytes: MiB,
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.values?.['note']).toHaveLength(900 * 1024);
    // One join of the line's 900 pieces (the old reader re-joined the rest on every chunk: ~400 MB copied).
    expect(stats.bytesCopied).toBe(900 * 1024 + 18 + 2);
  });

  it.each([
    ['the quote runs to the end of the input', MiB],
    ['the quote runs over the row limit', 64 * 1024],
  ])('an unclosed quote in row 2 of 20,000 costs that row only (%s)', async (_, maxRecordBytes) => {
    const lines = ['id,first_name,email'];
    for (let i = 1; i <= 20_000; i++) lines.push(i === 2 ? `2,"Bob,b2@x.io` : `${i},P${i},p${i}@x.io`);
    const { rows } = await readAll(split(lines.join('\n') + '\n', 4096), { format: 'csv', maxRecordBytes });
    const rejects = rows.filter((r) => r.reject);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ row: 2, line: 3, reject: { code: maxRecordBytes === MiB ? 'unclosed_quote' : 'record_too_large' } });
    expect(rejects[0]?.reject?.reason).toMatch(/1 row skipped, reading resumed at line 4/);
    const read = rows.filter((r) => r.values);
    expect(read).toHaveLength(19_999);
    expect(read.at(-1)).toMatchObject({ row: 20_000, line: 20_001, values: { id: '20000', first_name: 'P20000', email: 'p20000@x.io' } });
  });

  it('resynchronises at once when a later quote shows the field was never closed, and resumes from the reject', async () => {
    const text = 'id,name,email\n1,Ann,a@x.io\n2,"Bob,b@x.io\n3,"Cy",c@x.io\n4,"Smith" Jr,d@x.io\n5,Eve,e@x.io\n';
    const options: OpenRowStreamOptions = { format: 'csv' };
    const { rows } = await readAll(split(text, 5), options);
    expect(rows.map((r) => [r.row, r.line, r.reject?.code ?? r.values?.['name']])).toEqual([
      [1, 2, 'Ann'],
      [2, 3, 'unclosed_quote'],
      [3, 4, 'Cy'],
      [4, 5, 'invalid_quote'],
      [5, 6, 'Eve'],
    ]);
    // A checkpoint at the reject's offset resumes with the rows after it.
    const bad = rows[1]!;
    const resumed = await readAll(split(text.slice(bad.bytes), 3), {
      format: 'csv',
      resume: { bytes: bad.bytes, rows: bad.row, lines: bad.line, headers: ['id', 'name', 'email'], delimiter: ',' },
    });
    expect(resumed.rows.map((r) => [r.row, r.line, r.bytes, r.reject?.code ?? r.values?.['name']])).toEqual(
      rows.slice(2).map((r) => [r.row, r.line, r.bytes, r.reject?.code ?? r.values?.['name']]),
    );
  });

  it('rejects a row of invalid UTF-8 or with a NUL, and a JSON value with a lone surrogate', async () => {
    const csv = Buffer.concat([Buffer.from('id,name\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n2,a\u0000b\n3,ok\n')]);
    const { rows } = await readAll([csv], { format: 'csv' });
    expect(rows.map((r) => r.reject?.code ?? r.values?.['name'])).toEqual(['invalid_text', 'invalid_text', 'ok']);
    const json = await readAll([Buffer.from('{"id":"1","name":"\\ud800"}\n{"id":"2","name":"ok"}\n')], { format: 'jsonl' });
    expect(json.rows.map((r) => r.reject?.code ?? r.values?.['name'])).toEqual(['invalid_text', 'ok']);
  });

  it('refuses a header row it cannot read, with a code', async () => {
    await expect(readAll(pieces('', 0x61, 2 * MiB, '\n1\n'), { format: 'csv', maxRecordBytes: MiB })).rejects.toMatchObject({
      code: 'record_too_large',
    });
  });

  it('takes a Readable as input too (file streams)', async () => {
    const stream = await openRowStream(Readable.from([Buffer.from('a;b\n1;2\n')]), { format: 'csv' });
    const rows: ReadRow[] = [];
    for await (const row of stream.rows) rows.push(row);
    expect(stream.delimiter).toBe(';');
    expect(rows[0]?.values).toEqual({ a: '1', b: '2' });
  });
});
