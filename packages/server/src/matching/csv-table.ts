/**
 * CSV reading for matching: RFC-4180 with embedded newlines, BOM, CRLF, and whitespace around
 * separators trimmed (FEBRL separates with ", "). Every cell stays a string.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/** A parsed CSV file: header row and data rows (ragged rows allowed). */
export interface CsvTable {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Parses CSV text whose first row is the header. */
export function parseCsvText(text: string): CsvTable {
  const all = parse(text, {
    bom: true,
    trim: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as string[][];
  const [headers = [], ...rows] = all;
  return { headers, rows };
}

/** Reads and parses a CSV file. */
export async function readCsvFile(path: string): Promise<CsvTable> {
  return parseCsvText(await readFile(path, 'utf8'));
}

/** One CSV cell, quoted when it holds a quote, comma or line break (RFC 4180). */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
