/**
 * Splits a CSV byte stream into raw records in bounded memory and linear time. The scanner only finds
 * where records end (RFC 4180 quoting: a quote opens a field only at its start, `""` escapes, a quote
 * inside an unquoted field is kept as is); `splitCsvFields` (csv-field-split.ts) cuts one record into cells afterwards.
 *
 * Why a hand-written scanner instead of csv-parse: a quoted field that never closes swallows the rest of
 * the input into one record, and csv-parse buffers that record whole (300 MB of newlines in one quoted
 * field ran the process out of memory). Here no record grows past `maxRecordBytes`. A record that does,
 * or whose quote never closes properly, is rejected and the scanner resynchronises: reading starts again
 * on the line after the one where the bad record began (the bytes since then, at most `maxRecordBytes`,
 * are re-read unquoted), so one stray quote costs one row, not the rest of the file. A single line over
 * the limit is skipped to its end without being held.
 */
import type { ImportRejectCode } from './import-reject-codes.ts';
import type { ScannedRecord, ScanStats } from './record-scan.ts';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted field: `"` escapes, the delimiter or a line end closes, anything else is wrong. */
  QuoteInQuoted,
  /** After a closing quote, before the delimiter: only spaces and `\r` may follow. */
  Closed,
  /** Discarding a bad line up to its end. */
  Skip,
}

/** Options of {@link CsvRecordScanner}. */
export interface CsvScannerOptions {
  /** One ASCII character. */
  delimiter: string;
  maxRecordBytes: number;
  /** Absolute offset and 1-based line of the first byte pushed (a resumed import starts mid-file). */
  offset?: number;
  line?: number;
}

/** The scanner: `push` chunks, then `end`; each returns the records completed. */
export class CsvRecordScanner {
  readonly stats: ScanStats = { bytesScanned: 0, bytesCopied: 0, peakHeldBytes: 0 };
  private readonly delimiter: number;
  private readonly max: number;
  private state = State.FieldStart;
  /** Bytes of the current record before the chunk being scanned. */
  private pieces: Buffer[] = [];
  private held = 0;
  private recordStart: number;
  private recordLine: number;
  /** Absolute offset of the first line feed inside the current record, -1 when none yet. */
  private firstNewline = -1;
  private pos: number;
  private line: number;
  /** Set in `Skip` state: what to report when the line ends. */
  private skipped: { code: ImportRejectCode; message: string; line: number } | undefined;

  constructor(options: CsvScannerOptions) {
    const code = options.delimiter.charCodeAt(0);
    if (options.delimiter.length !== 1 || code > 0x7f || code === QUOTE || code === LF || code === CR) {
      throw new RangeError('the delimiter is one ASCII character other than a quote or a line end');
    }
    this.delimiter = code;
    this.max = options.maxRecordBytes;
    this.pos = options.offset ?? 0;
    this.line = options.line ?? 1;
    this.recordStart = this.pos;
    this.recordLine = this.line;
  }

  /** Scans one chunk; returns the records it completed. */
  push(chunk: Buffer): ScannedRecord[] {
    const out: ScannedRecord[] = [];
    const queue: Buffer[] = [chunk];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const replay = this.scan(next, out);
      if (replay) queue.unshift(...replay);
    }
    return out;
  }

  /** Ends the input: the last record without a line end, or the reject of an unclosed quote. */
  end(): ScannedRecord[] {
    const out: ScannedRecord[] = [];
    for (;;) {
      if (this.state === State.Skip) {
        this.emitSkipped(out);
        return out;
      }
      if (this.state === State.Quoted) {
        const replay = this.resync(out, 'unclosed_quote', 'a quoted field is never closed', Buffer.alloc(0));
        if (replay === undefined) continue;
        const bytes = Buffer.concat(replay);
        this.stats.bytesCopied += bytes.length;
        out.push(...this.push(bytes));
        continue;
      }
      if (this.held > 0 || this.state !== State.FieldStart) this.emitRecord(out, Buffer.alloc(0), 0, 0);
      return out;
    }
  }

  /** Scans `chunk`; returns bytes to scan again first when it resynchronised. */
  private scan(chunk: Buffer, out: ScannedRecord[]): Buffer[] | undefined {
    this.stats.bytesScanned += chunk.length;
    const base = this.pos;
    let segment = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.state === State.Skip) {
        if (byte !== LF) continue;
        this.pos = base + i + 1;
        this.emitSkipped(out);
        this.line++;
        this.startRecord();
        segment = i + 1;
        continue;
      }
      if (base + i - this.recordStart > this.max) {
        const message = `a row over ${this.max} bytes (KIN_IMPORT_MAX_RECORD_BYTES)${this.state === State.Quoted ? ', likely an unclosed quote' : ''}`;
        const replay = this.resync(out, 'record_too_large', message, chunk.subarray(segment, i));
        if (replay) return [...replay, chunk.subarray(i)];
        this.pos = base + i;
        segment = i;
        i--;
        continue;
      }
      switch (this.state) {
        case State.FieldStart:
          if (byte === QUOTE) this.state = State.Quoted;
          else if (byte === LF) {
            this.endLine(out, chunk, segment, i, base);
            segment = i + 1;
          } else if (byte !== this.delimiter && byte !== SPACE && byte !== TAB && byte !== CR) this.state = State.Unquoted;
          break;
        case State.Unquoted:
          if (byte === this.delimiter) this.state = State.FieldStart;
          else if (byte === LF) {
            this.endLine(out, chunk, segment, i, base);
            segment = i + 1;
          }
          break;
        case State.Quoted:
          if (byte === QUOTE) this.state = State.QuoteInQuoted;
          else if (byte === LF) {
            if (this.firstNewline === -1) this.firstNewline = base + i;
            this.line++;
          }
          break;
        case State.QuoteInQuoted:
        case State.Closed:
          if (byte === QUOTE && this.state === State.QuoteInQuoted) this.state = State.Quoted;
          else if (byte === this.delimiter) this.state = State.FieldStart;
          else if (byte === LF) {
            this.endLine(out, chunk, segment, i, base);
            segment = i + 1;
          } else if (byte === SPACE || byte === TAB || byte === CR) this.state = State.Closed;
          else {
            const spans = this.firstNewline !== -1;
            const replay = this.resync(
              out,
              spans ? 'unclosed_quote' : 'invalid_quote',
              spans ? 'a quoted field is not closed where it should be' : 'a closing quote is followed by other characters',
              chunk.subarray(segment, i + 1),
            );
            if (replay) return [...replay, chunk.subarray(i + 1)];
            this.pos = base + i + 1;
            segment = i + 1;
          }
          break;
      }
    }
    if (this.state !== State.Skip && segment < chunk.length) this.hold(chunk.subarray(segment));
    this.pos = base + chunk.length;
    return undefined;
  }

  /** A line feed outside quotes: the record ends here. */
  private endLine(out: ScannedRecord[], chunk: Buffer, segment: number, at: number, base: number): void {
    this.pos = base + at + 1;
    this.emitRecord(out, chunk, segment, at);
    this.line++;
    this.startRecord();
  }

  private emitRecord(out: ScannedRecord[], chunk: Buffer, segment: number, at: number): void {
    // Blank lines are no rows: skipped here, without an object each (millions of newlines stay cheap).
    if (this.pieces.length === 0 && isBlank(chunk, segment, at)) return;
    let raw = chunk.subarray(segment, at);
    if (this.pieces.length > 0) {
      raw = Buffer.concat([...this.pieces, raw]);
      this.stats.bytesCopied += raw.length;
    }
    if (raw.length > 0 && raw[raw.length - 1] === CR) raw = raw.subarray(0, raw.length - 1);
    out.push({ kind: 'record', raw, line: this.line, end: this.pos });
  }

  private startRecord(): void {
    this.state = State.FieldStart;
    this.pieces = [];
    this.held = 0;
    this.recordStart = this.pos;
    this.recordLine = this.line;
    this.firstNewline = -1;
  }

  private hold(piece: Buffer): void {
    this.pieces.push(piece);
    this.held += piece.length;
    if (this.held > this.stats.peakHeldBytes) this.stats.peakHeldBytes = this.held;
  }

  /**
   * Rejects the current record. When it spans lines, returns its bytes after its first line to be read
   * again (the scan resumes on the record's second line); otherwise the rest of its line is skipped.
   * `tail` is the part of the record in the chunk being scanned, up to where scanning stopped.
   */
  private resync(out: ScannedRecord[], code: ImportRejectCode, reason: string, tail: Buffer): Buffer[] | undefined {
    const startLine = this.recordLine;
    if (this.firstNewline === -1) {
      this.pieces = [];
      this.held = 0;
      this.state = State.Skip;
      this.skipped = {
        code,
        message: `${reason}: 1 row skipped (line ${startLine}), reading resumed at line ${startLine + 1}`,
        line: startLine,
      };
      return undefined;
    }
    const from = this.firstNewline + 1 - this.recordStart;
    const bytes = [...this.pieces, tail];
    let skip = from;
    const replay: Buffer[] = [];
    for (const piece of bytes) {
      if (skip >= piece.length) skip -= piece.length;
      else {
        replay.push(piece.subarray(skip));
        skip = 0;
      }
    }
    const resumeAt = this.firstNewline + 1;
    out.push({
      kind: 'reject',
      code,
      message: `${reason} (row from line ${startLine}): 1 row skipped, reading resumed at line ${startLine + 1}`,
      line: startLine,
      end: resumeAt,
    });
    this.pos = resumeAt;
    this.line = startLine + 1;
    this.startRecord();
    return replay;
  }

  private emitSkipped(out: ScannedRecord[]): void {
    const skipped = this.skipped;
    if (skipped) out.push({ kind: 'reject', code: skipped.code, message: skipped.message, line: skipped.line, end: this.pos });
    this.skipped = undefined;
    this.state = State.FieldStart;
  }
}

/** Whether bytes `from`..`to` of `chunk` are only spaces, tabs and `\r`. */
function isBlank(chunk: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const byte = chunk[i];
    if (byte !== SPACE && byte !== TAB && byte !== CR) return false;
  }
  return true;
}
