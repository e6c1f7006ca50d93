/**
 * What both record scanners return (csv-record-scanner.ts for CSV, line-scanner.ts for JSON lines): a
 * record's bytes or a rejection, with the position after it, and the counters of what scanning cost.
 */
import type { ImportRejectCode } from './import-reject-codes.ts';

/** One scanned record (its bytes without the line end) or a rejected one, with the position after it. */
export type ScannedRecord =
  | { kind: 'record'; raw: Buffer; line: number; end: number }
  | { kind: 'reject'; code: ImportRejectCode; message: string; line: number; end: number };

/** Counters that show the scanner's cost (bytes copied, the most held at once). */
export interface ScanStats {
  bytesScanned: number;
  bytesCopied: number;
  peakHeldBytes: number;
}
