/** The CSV scanner against ground truth: random well-formed CSV, split at random byte offsets. */
import { describe, expect, it } from 'vitest';
import { CsvRecordScanner } from './csv-record-scanner.ts';
import { splitCsvFields } from './csv-field-split.ts';
import type { ScannedRecord } from './record-scan.ts';

/** A seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'Bob', 'é', '€', ' ', ',', ';', '"', '""', '\n', '\r\n', 'x y', '\t'];

function cell(next: () => number): string {
  let text = '';
  const n = Math.floor(next() * 5);
  for (let i = 0; i < n; i++) text += PIECES[Math.floor(next() * PIECES.length)];
  return text;
}

function encode(value: string, delimiter: string, next: () => number): string {
  const special = value.includes(delimiter) || /["\r\n]/.test(value) || value !== value.trim();
  return special || next() < 0.2 ? `"${value.replace(/"/g, '""')}"` : value;
}

function scanAll(bytes: Buffer, delimiter: string, next: () => number): ScannedRecord[] {
  const scanner = new CsvRecordScanner({ delimiter, maxRecordBytes: 1 << 20 });
  const out: ScannedRecord[] = [];
  for (let i = 0; i < bytes.length;) {
    const size = 1 + Math.floor(next() * 40);
    out.push(...scanner.push(bytes.subarray(i, i + size)));
    i += size;
  }
  out.push(...scanner.end());
  return out;
}

describe('CSV record scanner', () => {
  it.each([',', ';', '\t'])('reads 300 random rows exactly as written, whatever the chunk boundaries (delimiter %j)', (delimiter) => {
    const next = random(delimiter.charCodeAt(0));
    const rows: string[][] = [];
    for (let r = 0; r < 300; r++) rows.push([cell(next), cell(next), cell(next)].map((c) => (c.trim() === '' ? `v${r}` : c)));
    const eol = () => (next() < 0.5 ? '\n' : '\r\n');
    const text = rows.map((row) => row.map((c) => encode(c, delimiter, next)).join(delimiter) + eol()).join('');
    const records = scanAll(Buffer.from(text), delimiter, next);
    expect(records.every((r) => r.kind === 'record')).toBe(true);
    const read = records.map((r) => (r.kind === 'record' ? splitCsvFields(r.raw.toString('utf8'), delimiter) : []));
    expect(read).toEqual(rows.map((row) => row.map((c) => c.trim())));
    expect(records.at(-1)?.end).toBe(Buffer.byteLength(text));
  });

  it('rejects an over-long line without holding it and reads the next one', () => {
    const scanner = new CsvRecordScanner({ delimiter: ',', maxRecordBytes: 100 });
    const out = [...scanner.push(Buffer.from('a,b\n' + 'x'.repeat(500) + '\nc,d\n')), ...scanner.end()];
    expect(out.map((r) => (r.kind === 'record' ? r.raw.toString() : r.code))).toEqual(['a,b', 'record_too_large', 'c,d']);
    expect(out.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(scanner.stats.peakHeldBytes).toBe(0);
  });

  it('refuses a delimiter it cannot scan for', () => {
    expect(() => new CsvRecordScanner({ delimiter: '"', maxRecordBytes: 10 })).toThrow(RangeError);
    expect(() => new CsvRecordScanner({ delimiter: '§', maxRecordBytes: 10 })).toThrow(RangeError);
  });
});
