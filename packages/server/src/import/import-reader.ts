/**
 * Streaming readers for imports: CSV (RFC 4180 quotes, embedded newlines, BOM, CRLF; the delimiter given
 * or sniffed from the header line among `,` `;` tab `|`) and JSON lines. Rows come out one at a time with
 * the byte offset just after them, so an import runs in bounded memory whatever the input (no row is held
 * past `maxRecordBytes`; see csv-record-scanner.ts) and can resume from a committed offset.
 */
import { textProblem } from '@kin/core';
import { CsvRecordScanner } from './csv-record-scanner.ts';
import { splitCsvFields } from './csv-field-split.ts';
import type { ScannedRecord, ScanStats } from './record-scan.ts';
import type { ImportRejectCode } from './import-reject-codes.ts';
import { LineScanner } from './line-scanner.ts';

/** Input formats. */
export type ImportFormat = 'csv' | 'jsonl';

/** One row as read: cells by column, or why it could not be read. */
export interface ReadRow {
  /** 1-based data row number (the CSV header is not a row). */
  row: number;
  /** 1-based line where the row ends (CSV rows may span lines); where it starts for a rejected row. */
  line: number;
  values?: Record<string, string>;
  reject?: { code: ImportRejectCode; reason: string };
  /** Byte offset just after this row, from the start of the file. */
  bytes: number;
}

/** An opened input: what was detected, and its rows. */
export interface RowStream {
  format: ImportFormat;
  /** CSV only. */
  delimiter?: string;
  /** CSV only: the header row (made unique and non-empty). */
  headers?: string[];
  rows: AsyncIterable<ReadRow>;
  /** Bytes consumed from the input so far (for progress). */
  bytesRead(): number;
  /** What reading cost so far: bytes scanned and copied, the most bytes of one row held at once. */
  stats(): ScanStats;
}

/** Where to start: a fresh input, or the committed position of an earlier run of the same file. */
export interface ResumePoint {
  bytes: number;
  rows: number;
  lines: number;
  headers?: string[];
  delimiter?: string;
}

/** Options of {@link openRowStream}. */
export interface OpenRowStreamOptions {
  format: ImportFormat;
  /** The largest row (a line, or a CSV row spanning lines) read; larger ones are rejected. Default 1 MiB. */
  maxRecordBytes?: number;
  delimiter?: string;
  resume?: ResumePoint;
}

/** The input cannot be read at all (its header row is unreadable, a bad delimiter). */
export class ImportReadError extends Error {
  constructor(
    readonly code: ImportRejectCode | 'invalid_delimiter',
    message: string,
  ) {
    super(message);
  }
}

/** Default of KIN_IMPORT_MAX_RECORD_BYTES. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

const SNIFF_BYTES = 64 * 1024;
const DELIMITERS = [',', ';', '\t', '|'];
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface Scanner {
  readonly stats: ScanStats;
  push(chunk: Buffer): ScannedRecord[];
  end(): ScannedRecord[];
}

/** Opens rows over a byte stream (a file stream, or an HTTP body). */
export async function openRowStream(input: AsyncIterable<Uint8Array>, options: OpenRowStreamOptions): Promise<RowStream> {
  const start = options.resume?.bytes ?? 0;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let consumed = start;
  const iterator = input[Symbol.asyncIterator]();
  const nextChunk = async (): Promise<Buffer | undefined> => {
    const next = await iterator.next();
    if (next.done) return undefined;
    const chunk: unknown = next.value;
    // A stream with an encoding set yields strings: taken as UTF-8 bytes.
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from((chunk as Uint8Array).buffer, (chunk as Uint8Array).byteOffset, (chunk as Uint8Array).byteLength);
    consumed += bytes.length;
    return bytes;
  };
  const bytesRead = (): number => consumed;
  const position = { offset: start, line: (options.resume?.lines ?? 0) + 1 };

  // The head of the input, up to the first line end, for sniffing the delimiter (then scanned as usual).
  const head: Buffer[] = [];
  let ended = false;
  let delimiter = options.delimiter ?? options.resume?.delimiter;
  if (options.format === 'csv' && delimiter === undefined) {
    let size = 0;
    while (size < SNIFF_BYTES) {
      const chunk = await nextChunk();
      if (chunk === undefined) {
        ended = true;
        break;
      }
      head.push(chunk);
      size += chunk.length;
      if (chunk.includes(10)) break;
    }
    delimiter = sniffDelimiter(Buffer.concat(head).subarray(0, SNIFF_BYTES).toString('utf8'));
  }
  let scanner: Scanner;
  if (options.format === 'jsonl') scanner = new LineScanner({ maxRecordBytes, ...position });
  else {
    try {
      scanner = new CsvRecordScanner({ delimiter: delimiter ?? ',', maxRecordBytes, ...position });
    } catch (error) {
      throw new ImportReadError('invalid_delimiter', error instanceof Error ? error.message : String(error));
    }
  }
  const records = (async function* (): AsyncGenerator<ScannedRecord> {
    for (const chunk of head) yield* scanner.push(chunk);
    if (!ended) for (let chunk = await nextChunk(); chunk !== undefined; chunk = await nextChunk()) yield* scanner.push(chunk);
    yield* scanner.end();
  })();
  const stats = (): ScanStats => ({ ...scanner.stats });

  let first = start === 0;
  /** The record's text, or why it is not text (invalid UTF-8, a NUL). */
  const textOf: TextOf = (raw) => {
    let text: string;
    try {
      text = decoder.decode(raw);
    } catch {
      return { code: 'invalid_text', reason: 'the row is not valid UTF-8' };
    }
    if (first) {
      first = false;
      text = text.replace(/^\uFEFF/, '');
    }
    if (text.includes('\u0000')) return { code: 'invalid_text', reason: 'the row holds a NUL character' };
    return text;
  };

  if (options.format === 'jsonl') {
    return { format: 'jsonl', rows: jsonRows(records, textOf, options.resume), bytesRead, stats };
  }

  const sep = delimiter ?? ',';
  let headers = options.resume?.headers;
  if (headers === undefined) {
    // Pulled by hand: leaving a for-await loop would close the generator the rows come from.
    for (let next = await records.next(); !next.done; next = await records.next()) {
      const record = next.value;
      if (record.kind === 'reject') throw new ImportReadError(record.code, `the header row is unreadable: ${record.message}`);
      const text = textOf(record.raw);
      if (typeof text !== 'string') throw new ImportReadError(text.code, `the header row is unreadable: ${text.reason}`);
      if (text.trim() === '') continue;
      headers = uniqueHeaders(splitCsvFields(text, sep));
      break;
    }
  }
  const columns = headers ?? [];
  const rows = (async function* (): AsyncGenerator<ReadRow> {
    for await (const item of textRows(records, textOf, options.resume?.rows ?? 0)) {
      if (!('text' in item)) {
        yield item;
        continue;
      }
      const { at, text } = item;
      const cells = splitCsvFields(text, sep);
      if (cells.length > columns.length) {
        yield { ...at, reject: { code: 'too_many_fields', reason: `row has ${cells.length} fields, the header has ${columns.length}` } };
        continue;
      }
      const values: Record<string, string> = Object.create(null) as Record<string, string>;
      columns.forEach((c, i) => {
        values[c] = cells[i] ?? '';
      });
      yield { ...at, values };
    }
  })();
  return { format: 'csv', delimiter: sep, headers: columns, rows, bytesRead, stats };
}

/** Whether a delimiter can be used: one ASCII character other than a quote or a line end. */
export function isDelimiter(value: string): boolean {
  return value.length === 1 && value.charCodeAt(0) < 0x80 && !'"\r\n'.includes(value);
}

/** The delimiter of the header line: the most frequent of `,` `;` tab `|` outside quotes (`,` on a tie). */
export function sniffDelimiter(text: string): string {
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of text.replace(/^\uFEFF/, '')) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

function uniqueHeaders(raw: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    const base = h.trim() === '' ? `column_${i + 1}` : h.trim();
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

type TextOf = (raw: Buffer) => string | { code: ImportRejectCode; reason: string };

/** Numbers the non-blank records as rows: a rejected row as it is, a readable one as its text. */
async function* textRows(
  records: AsyncIterable<ScannedRecord>,
  textOf: TextOf,
  startRow: number,
): AsyncGenerator<ReadRow | { at: { row: number; line: number; bytes: number }; text: string }> {
  let row = startRow;
  for await (const record of records) {
    if (record.kind === 'reject') {
      yield { row: ++row, line: record.line, bytes: record.end, reject: { code: record.code, reason: record.message } };
      continue;
    }
    if (record.raw.length === 0) continue;
    const text = textOf(record.raw);
    if (typeof text === 'string' && text.trim() === '') continue;
    const at = { row: ++row, line: record.line, bytes: record.end };
    yield typeof text === 'string' ? { at, text } : { ...at, reject: text };
  }
}

/** JSON lines: one object per line; strings, numbers and booleans become cells, other values are skipped. */
async function* jsonRows(records: AsyncIterable<ScannedRecord>, textOf: TextOf, resume: ResumePoint | undefined): AsyncGenerator<ReadRow> {
  for await (const item of textRows(records, textOf, resume?.rows ?? 0)) {
    if (!('text' in item)) {
      yield item;
      continue;
    }
    const { at, text } = item;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { ...at, reject: { code: 'not_json', reason: 'not valid JSON' } };
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      yield { ...at, reject: { code: 'not_an_object', reason: 'not a JSON object' } };
      continue;
    }
    const values: Record<string, string> = Object.create(null) as Record<string, string>;
    let bad: string | undefined;
    for (const [key, value] of Object.entries(parsed)) {
      let cell: string | undefined;
      if (typeof value === 'string') cell = value.trim();
      else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') cell = String(value);
      if (cell === undefined) continue;
      if (textProblem(cell) !== undefined || textProblem(key) !== undefined) bad = key;
      values[key] = cell;
    }
    if (bad !== undefined)
      yield { ...at, reject: { code: 'invalid_text', reason: `the value of "${printable(bad)}" holds a NUL or a lone surrogate` } };
    else yield { ...at, values };
  }
}

/** A key safe to show: NULs and lone surrogates as `?`. */
function printable(key: string): string {
  return [...key].map((ch) => (ch === '\u0000' || (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff') ? '?' : ch)).join('');
}
