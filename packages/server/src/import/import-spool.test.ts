import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spoolBody } from './import-spool.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-spool-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts).toString();
}

describe('import body spool', () => {
  it('receives the whole body into a file, reads it back, and removes it', async () => {
    const body = (async function* () {
      for (let i = 0; i < 1000; i++) yield Buffer.from(`row ${i}\n`);
    })();
    const spooled = await spoolBody(body, dir);
    const expected = Array.from({ length: 1000 }, (_, i) => `row ${i}\n`).join('');
    expect(spooled.bytes).toBe(Buffer.byteLength(expected));
    expect(await text(spooled.open())).toBe(expected);
    expect(readdirSync(dir)).toHaveLength(1);
    await spooled.remove();
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('removes the file when the body fails half-way', async () => {
    const body = (async function* () {
      yield Buffer.from('id,email\n');
      throw new Error('client went away');
    })();
    await expect(spoolBody(body, dir)).rejects.toThrow('client went away');
    expect(readdirSync(dir)).toHaveLength(0);
  });
});
