/**
 * Splits a byte stream into lines (for JSON lines) in bounded memory and linear time: a line's bytes are
 * held as the chunks' own slices and joined once when the line ends (never re-joined per chunk), and a
 * line over `maxRecordBytes` is rejected and skipped to its end without being held.
 */
import type { ScannedRecord, ScanStats } from './record-scan.ts';

const LF = 0x0a;
const CR = 0x0d;

/** The scanner: `push` chunks, then `end`; each returns the lines completed. */
export class LineScanner {
  readonly stats: ScanStats = { bytesScanned: 0, bytesCopied: 0, peakHeldBytes: 0 };
  private pieces: Buffer[] = [];
  private held = 0;
  private skipping = false;
  private pos: number;
  private line: number;

  constructor(private readonly options: { maxRecordBytes: number; offset?: number; line?: number }) {
    this.pos = options.offset ?? 0;
    this.line = options.line ?? 1;
  }

  /** Scans one chunk; returns the lines it completed. */
  push(chunk: Buffer): ScannedRecord[] {
    this.stats.bytesScanned += chunk.length;
    const out: ScannedRecord[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, from)) {
      this.pos += nl + 1 - from;
      this.take(chunk.subarray(from, nl));
      this.finish(out);
      from = nl + 1;
    }
    this.pos += chunk.length - from;
    if (from < chunk.length) this.take(chunk.subarray(from));
    return out;
  }

  /** Ends the input: the last line without a line end. */
  end(): ScannedRecord[] {
    const out: ScannedRecord[] = [];
    if (this.held > 0 || this.skipping) this.finish(out);
    return out;
  }

  private take(piece: Buffer): void {
    if (this.skipping || piece.length === 0) return;
    if (this.held + piece.length > this.options.maxRecordBytes) {
      this.skipping = true;
      this.pieces = [];
      this.held = 0;
      return;
    }
    this.pieces.push(piece);
    this.held += piece.length;
    if (this.held > this.stats.peakHeldBytes) this.stats.peakHeldBytes = this.held;
  }

  private finish(out: ScannedRecord[]): void {
    if (this.skipping) {
      const max = this.options.maxRecordBytes;
      out.push({
        kind: 'reject',
        code: 'record_too_large',
        message: `a line over ${max} bytes (KIN_IMPORT_MAX_RECORD_BYTES): 1 row skipped (line ${this.line}), reading resumed at line ${this.line + 1}`,
        line: this.line,
        end: this.pos,
      });
    } else if (this.held > 0 && !(this.held === 1 && this.pieces[0]![0] === CR)) {
      let raw = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
      if (this.pieces.length > 1) this.stats.bytesCopied += raw.length;
      if (raw.length > 0 && raw[raw.length - 1] === CR) raw = raw.subarray(0, raw.length - 1);
      out.push({ kind: 'record', raw, line: this.line, end: this.pos });
    }
    this.pieces = [];
    this.held = 0;
    this.skipping = false;
    this.line++;
  }
}
