/**
 * Streaming readers for imports: RFC 4180 CSV (csv-parse: quotes, embedded newlines, BOM, CRLF; the
 * delimiter given or sniffed from the header line among `,` `;` tab `|`) and JSON lines. Rows come out
 * one at a time with the byte offset just after them, so an import runs in constant memory and can
 * resume from a committed offset without re-reading the file.
 */
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';

/** Input formats. */
export type ImportFormat = 'csv' | 'jsonl';

/** One row as read: cells by column, or why it could not be read. */
export interface ReadRow {
  /** 1-based data row number (the CSV header is not a row). */
  row: number;
  /** 1-based line where the row ends (CSV rows may span lines). */
  line: number;
  values?: Record<string, string>;
  error?: string;
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
}

/** Where to start: a fresh input, or the committed position of an earlier run of the same file. */
export interface ResumePoint {
  bytes: number;
  rows: number;
  lines: number;
  headers?: string[];
  delimiter?: string;
}

const SNIFF_BYTES = 64 * 1024;
const DELIMITERS = [',', ';', '\t', '|'];

/** Opens rows over a byte stream (a file stream, or an HTTP body). */
export async function openRowStream(
  input: AsyncIterable<Uint8Array>,
  options: { format: ImportFormat; delimiter?: string; resume?: ResumePoint },
): Promise<RowStream> {
  let consumed = options.resume?.bytes ?? 0;
  // Why our own line count: csv-parse counts the \r and the \n of a quoted CRLF as two lines. Newline
  // offsets are kept only for bytes read but not yet emitted as rows.
  const newlines: number[] = [];
  const counted = (async function* () {
    for await (const chunk of input) {
      const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (options.format === 'csv') for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) newlines.push(consumed + at);
      consumed += chunk.byteLength;
      yield buffer;
    }
  })();
  const bytesRead = (): number => consumed;
  if (options.format === 'jsonl') return { format: 'jsonl', rows: jsonLines(counted, options.resume), bytesRead };

  const iterator = counted[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headSize = 0;
  let ended = false;
  if (options.delimiter === undefined && options.resume?.delimiter === undefined) {
    while (headSize < SNIFF_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headSize += next.value.length;
      if (next.value.includes(10)) break;
    }
  }
  const delimiter = options.delimiter ?? options.resume?.delimiter ?? sniffDelimiter(Buffer.concat(head).toString('utf8'));
  const replay = (async function* () {
    yield* head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  const skipped: Array<{ line: number; reason: string }> = [];
  const start = options.resume?.bytes ?? 0;
  const parser = Readable.from(replay).pipe(
    parse({
      bom: start === 0,
      delimiter,
      trim: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      on_skip: (error: Error & { lines?: number } | undefined) => {
        skipped.push({ line: (error?.lines ?? 0) + (options.resume?.lines ?? 0), reason: error?.message ?? 'unreadable row' });
      },
    }),
  );
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { bytes: number } }>;
  let newlineHead = 0;
  let linesBefore = 0;
  /** The line a row ending at `end` ends on: 1 + newlines before its last byte. */
  const lineAt = (end: number): number => {
    while (newlineHead < newlines.length && (newlines[newlineHead] ?? 0) < end - 1) {
      newlineHead++;
      linesBefore++;
    }
    if (newlineHead > 4096) {
      newlines.splice(0, newlineHead);
      newlineHead = 0;
    }
    return (options.resume?.lines ?? 0) + 1 + linesBefore;
  };
  let headers = options.resume?.headers;
  if (headers === undefined) {
    const first = await records.next();
    headers = first.done ? [] : uniqueHeaders(first.value.record);
  }
  const columns = headers;
  const rows = (async function* (): AsyncGenerator<ReadRow> {
    let row = options.resume?.rows ?? 0;
    for (;;) {
      const next = await records.next();
      for (const skip of skipped.splice(0)) yield { row: ++row, line: skip.line, error: skip.reason, bytes: start };
      if (next.done) return;
      const { record, info } = next.value;
      const at = { row: ++row, line: lineAt(start + info.bytes), bytes: start + info.bytes };
      if (record.length > columns.length) {
        yield { ...at, error: `row has ${record.length} fields, the header has ${columns.length}` };
        continue;
      }
      const values: Record<string, string> = {};
      columns.forEach((c, i) => {
        values[c] = record[i] ?? '';
      });
      yield { ...at, values };
    }
  })();
  return { format: 'csv', delimiter, headers: columns, rows, bytesRead };
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

/** JSON lines: one object per line; strings, numbers and booleans become cells, other values are skipped. */
async function* jsonLines(input: AsyncIterable<Buffer>, resume: ResumePoint | undefined): AsyncGenerator<ReadRow> {
  let offset = resume?.bytes ?? 0;
  let row = resume?.rows ?? 0;
  let line = resume?.lines ?? 0;
  let rest: Buffer = Buffer.alloc(0);
  const emit = (bytes: Buffer): ReadRow | undefined => {
    line++;
    let text = bytes.toString('utf8');
    if (line === 1) text = text.replace(/^\uFEFF/, '');
    text = text.trim();
    if (text === '') return undefined;
    row++;
    const at = { row, line, bytes: offset };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ...at, error: 'not valid JSON' };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ...at, error: 'not a JSON object' };
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string') values[key] = value.trim();
      else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') values[key] = String(value);
    }
    return { ...at, values };
  };
  for await (const chunk of input) {
    const buffer: Buffer = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let from = 0;
    for (let nl = buffer.indexOf(10, from); nl !== -1; nl = buffer.indexOf(10, from)) {
      offset += nl + 1 - from;
      const out = emit(buffer.subarray(from, nl));
      from = nl + 1;
      if (out) yield out;
    }
    rest = Buffer.from(buffer.subarray(from));
  }
  if (rest.length > 0) {
    offset += rest.length;
    const out = emit(rest);
    if (out) yield out;
  }
}
