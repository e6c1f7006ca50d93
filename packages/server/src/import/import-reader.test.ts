import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openRowStream, sniffDelimiter, type ReadRow } from './import-reader.ts';

async function rowsOf(
  text: string | Buffer,
  options: Parameters<typeof openRowStream>[1] = { format: 'csv' },
  chunk = 7,
): Promise<{ rows: ReadRow[]; headers?: string[]; delimiter?: string }> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  // Small chunks: quotes, CRLF and multi-byte characters must survive any split.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const stream = await openRowStream(Readable.from(chunks), options);
  const rows: ReadRow[] = [];
  for await (const row of stream.rows) rows.push(row);
  return { rows, ...(stream.headers ? { headers: stream.headers } : {}), ...(stream.delimiter ? { delimiter: stream.delimiter } : {}) };
}

describe('import reader: CSV', () => {
  it('reads quotes, escaped quotes, embedded newlines, a BOM and CRLF line ends', async () => {
    const text = '\uFEFFid,name,note\r\n1,"Smith, Ann","said ""hi""\r\nthen left"\r\n2,Bob Müller,plain\r\n';
    const { rows, headers } = await rowsOf(text);
    expect(headers).toEqual(['id', 'name', 'note']);
    expect(rows.map((r) => r.values)).toEqual([
      { id: '1', name: 'Smith, Ann', note: 'said "hi"\r\nthen left' },
      { id: '2', name: 'Bob Müller', note: 'plain' },
    ]);
    expect(rows.map((r) => r.row)).toEqual([1, 2]);
    expect(rows.at(-1)?.bytes).toBe(Buffer.byteLength(text));
  });

  it('counts the line each row ends on, rows spanning lines included', async () => {
    const { rows } = await rowsOf('id,note\n1,"two\nlines"\n2,x\n');
    expect(rows.map((r) => [r.row, r.line])).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('sniffs ; tab and | delimiters from the header line, and takes one given explicitly', async () => {
    expect(sniffDelimiter('a;b;"c,d";e\n1,2,3')).toBe(';');
    expect(sniffDelimiter('a\tb\tc')).toBe('\t');
    expect(sniffDelimiter('a|b|c')).toBe('|');
    expect(sniffDelimiter('a,b')).toBe(',');
    const semi = await rowsOf('first_name;last_name;city\nAnn;"Lee; Jr";Paris\n');
    expect(semi.delimiter).toBe(';');
    expect(semi.rows[0]?.values).toEqual({ first_name: 'Ann', last_name: 'Lee; Jr', city: 'Paris' });
    const forced = await rowsOf('a;b,c\n1;2,3\n', { format: 'csv', delimiter: ',' });
    expect(forced.rows[0]?.values).toEqual({ 'a;b': '1;2', c: '3' });
  });

  it('trims cells, skips blank lines, fills short rows and rejects rows longer than the header', async () => {
    const { rows } = await rowsOf('a, b\n1, 2\n\n3\n4,5,6\n');
    expect(rows.map((r) => r.values ?? r.reject?.code)).toEqual([{ a: '1', b: '2' }, { a: '3', b: '' }, 'too_many_fields']);
  });

  it('resumes at a byte offset with the saved header and delimiter', async () => {
    const text = 'id;n\n1;a\n2;b\n3;c\n';
    const all = await rowsOf(text);
    const after = all.rows[0]!;
    const rest = await rowsOf(Buffer.from(text).subarray(after.bytes), {
      format: 'csv',
      resume: { bytes: after.bytes, rows: after.row, lines: after.line, headers: ['id', 'n'], delimiter: ';' },
    });
    expect(rest.rows.map((r) => [r.row, r.values?.['id'], r.bytes])).toEqual(
      all.rows.slice(1).map((r) => [r.row, r.values?.['id'], r.bytes]),
    );
  });
});

describe('import reader: JSON lines', () => {
  it('reads objects line by line with byte offsets, rejecting bad lines', async () => {
    const text = '{"id":1,"email":"a@x.io","vip":true,"tags":["x"]}\r\nnot json\n\n[1]\n{"id":"2"}';
    const { rows } = await rowsOf(text, { format: 'jsonl' });
    expect(rows.map((r) => r.values ?? r.reject?.code)).toEqual([
      { id: '1', email: 'a@x.io', vip: 'true' },
      'not_json',
      'not_an_object',
      { id: '2' },
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4, 5]);
    expect(rows.at(-1)?.bytes).toBe(Buffer.byteLength(text));
  });
});
