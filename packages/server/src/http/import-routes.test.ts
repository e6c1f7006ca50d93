import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKin, type TestKin } from '../testing/kin-harness.ts';

let kin: TestKin;
beforeAll(async () => {
  kin = await startTestKin();
});
afterAll(async () => kin.close());

/** A CSV body sent in many small pieces over a real socket (never one buffer). */
function streamed(lines: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= lines.length) return controller.close();
      const piece = lines.slice(i, i + 97).join('');
      i += 97;
      controller.enqueue(new TextEncoder().encode(piece));
    },
  });
}

const post = (query: string, body: RequestInit['body'], headers: Record<string, string> = {}) =>
  kin.admin(`/v1/imports?${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/csv', ...headers },
    duplex: 'half',
  } as RequestInit);

describe('POST /v1/imports', () => {
  it('streams a CSV body in chunks, links records to web profiles by email, and a repeat is all duplicates', async () => {
    expect((await kin.track('/v1/identify', { userId: 'web-7', traits: { email: 'p7@example.com' } })).status).toBe(200);
    const lines = ['\uFEFFid;first_name;last_name;email;note\r\n'];
    for (let i = 1; i <= 2500; i++) lines.push(`${i};P${i};"L;${i}";p${i}@example.com;"two\r\nlines"\r\n`);
    lines.push('2501;;;;\r\n');
    const res = await post('source=crm', streamed(lines));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      source: 'crm',
      format: 'csv',
      rows: 2501,
      imported: 2500,
      duplicates: 0,
      rejected: 1,
      invalidValues: 0,
      refusedIdentifiers: 0,
      rejectedByCode: { no_values: 1 },
      invalidByCode: {},
      ignoredColumns: ['note'],
      rejects: [{ row: 2501, line: 5002, code: 'no_values', reason: 'no values besides the record id' }],
    });
    const web = (await (await kin.admin('/v1/profiles/user_id:web-7')).json()) as {
      traits: Record<string, unknown>;
      externalIds: Array<{ type: string; value: string }>;
    };
    expect(web.traits).toMatchObject({ firstName: 'P7', lastName: 'L;7', email: 'p7@example.com' });
    expect(web.externalIds.map((x) => `${x.type}:${x.value}`)).toContain('record:crm:7');

    const again = (await (await post('source=crm', streamed(lines))).json()) as Record<string, unknown>;
    expect(again).toMatchObject({ rows: 2501, imported: 0, duplicates: 2500, rejected: 1 });
    const stats = (await (await kin.admin('/v1/stats')).json()) as { profiles: number };
    expect(stats.profiles).toBe(2500);
  });

  it('takes gzip JSON lines by content type, with a mapping', async () => {
    const body = gzipSync('{"uid":"a1","handle":"@Zed","name":"Zed Zulu"}\n{"uid":"a2"}\n');
    const res = await post(`source=twitter&map=${encodeURIComponent(JSON.stringify({ uid: 'record_id', handle: 'twitter' }))}`, body, {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    expect(await res.json()).toMatchObject({ format: 'jsonl', rows: 2, imported: 1, rejected: 1 });
    expect((await kin.admin('/v1/profiles/twitter:zed')).status).toBe(200);
  });

  it('needs the admin token, a source and a known format', async () => {
    const byWriteKey = await fetch(`${kin.url}/v1/imports?source=crm`, {
      method: 'POST',
      body: 'id,email\n1,a@x.io\n',
      headers: { authorization: 'Basic ' + Buffer.from(`${kin.writeKey}:`).toString('base64') },
    });
    expect(byWriteKey.status).toBe(401);
    expect(((await byWriteKey.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const noSource = await post('format=csv', 'id,email\n1,a@x.io\n');
    expect(noSource.status).toBe(400);
    expect(((await noSource.json()) as { error: { code: string; field: string } }).error).toMatchObject({
      code: 'invalid_query',
      field: 'source',
    });
    const badFormat = await post('source=crm&format=xml', 'x');
    expect(((await badFormat.json()) as { error: { code: string } }).error.code).toBe('invalid_query');
    const empty = await post('source=crm', '');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { code: string } }).error.code).toBe('invalid_import');
    const badGzip = await post('source=crm', 'not gzip', { 'content-encoding': 'gzip' });
    expect(((await badGzip.json()) as { error: { code: string } }).error.code).toBe('invalid_import');
  });

  it('answers a gzip body with a quoted field of 20 MB of newlines, and an unclosed quote, with coded rejects and the other rows', async () => {
    const lines = ['id,first_name,note\n', '1,Ann,"', '\n'.repeat(20 * 1024 * 1024), '"\n', '2,Bob,ok\n'];
    const bomb = gzipSync(Buffer.from(lines.join('')));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const res = await post('source=hostile', bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      rows: number;
      imported: number;
      rejectedByCode: Record<string, number>;
      rejects: Array<{ row: number; line: number; code: string }>;
    };
    expect(body).toMatchObject({ rows: 3, imported: 1, rejectedByCode: { record_too_large: 1, unclosed_quote: 1 } });
    expect(body.rejects[0]).toMatchObject({ row: 1, line: 2, code: 'record_too_large' });
    expect((await kin.admin('/v1/profiles/record:hostile:2')).status).toBe(200);

    const rows = ['id,first_name,email\n', '1,Ann,a1@x.io\n', '2,"Bob,b2@x.io\n'];
    for (let i = 3; i <= 3000; i++) rows.push(`${i},P${i},p${i}@x.io\n`);
    const quoted = (await (await post('source=quoted', streamed(rows))).json()) as {
      rows: number;
      imported: number;
      rejects: Array<{ row: number; code: string; reason: string }>;
    };
    expect(quoted).toMatchObject({ rows: 3000, imported: 2999 });
    expect(quoted.rejects).toEqual([
      { row: 2, line: 3, code: 'unclosed_quote', reason: expect.stringMatching(/reading resumed at line 4/) as unknown },
    ]);
    expect((await fetch(`${kin.url}/health`)).status).toBe(200);
  });

  it('refuses a body whose header row is over the row limit', async () => {
    const res = await post('source=crm', 'x'.repeat(1024 * 1024 + 10) + '\n1\n');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'invalid_import',
      message: expect.stringMatching(/header row/) as unknown,
    });
  });
});
