/**
 * The HTTP edge over a real socket: security headers, CORS only where the browser SDK needs it, bounded
 * admin bodies, client aborts counted (not logged), the connection cap and the server timeouts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { TRACKING_PATHS } from './tracking-routes.ts';

let kin: TestKin;
const spoolDir = mkdtempSync(join(tmpdir(), 'kin-hardening-spool-'));
beforeAll(async () => {
  kin = await startTestKin({
    env: {
      KIN_MAX_ADMIN_BODY_BYTES: '4096',
      KIN_HEADERS_TIMEOUT_SECONDS: '1',
      KIN_REQUEST_TIMEOUT_SECONDS: '2',
      KIN_IMPORT_SPOOL_DIR: spoolDir,
    },
  });
});
afterAll(async () => {
  await kin.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

/** A value of the Prometheus text at `/metrics`. */
async function metric(name: string): Promise<number> {
  const text = await (await kin.admin('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
}

function rawSocket(): Promise<Socket> {
  const { port } = new URL(kin.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

const closed = (socket: Socket) =>
  new Promise<string>((resolve) => {
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(received));
  });

describe('security headers', () => {
  it('admin answers, errors included, are no-store, nosniff, no-referrer and frame nowhere', async () => {
    for (const res of [await kin.admin('/v1/stats'), await kin.admin('/v1/profiles/user_id:nobody'), await fetch(kin.url + '/v1/stats')]) {
      expect(res.headers.get('cache-control'), res.url).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });
});

describe('CORS', () => {
  const preflight = (path: string) =>
    fetch(kin.url + path, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

  it.each(TRACKING_PATHS)('%s answers a preflight from any origin and allows the SDK headers', async (path) => {
    const res = await preflight(path);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const posted = await kin.track(
      path,
      path.endsWith('batch') || path.endsWith('import')
        ? { batch: [{ type: 'track', anonymousId: 'a-cors', event: 'E' }] }
        : { type: 'track', anonymousId: 'a-cors', event: 'E', userId: 'u-cors', previousId: 'a', groupId: 'g', name: 'n' },
      { headers: { origin: 'https://shop.example' } },
    );
    expect(posted.headers.get('access-control-allow-origin')).toBe('*');
  });

  it.each(['/v1/stats', '/v1/sources', '/v1/profiles/user_id:u1', '/v1/identity/dry-run', '/v1/imports', '/metrics'])(
    'admin route %s refuses a cross-origin preflight and never allows an origin',
    async (path) => {
      const res = await preflight(path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const read = await kin.admin(path, { headers: { origin: 'https://evil.example' } });
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
    },
  );
});

describe('admin JSON bodies', () => {
  const big = JSON.stringify({ name: 'x', pad: 'y'.repeat(10_000) });

  it.each([
    ['/v1/sources', 'POST'],
    ['/v1/identity/dry-run', 'POST'],
    ['/v1/profiles/user_id:u1/split', 'POST'],
    ['/v1/review/r1', 'POST'],
    ['/v1/match/run', 'POST'],
  ])('%s refuses a body over the limit with 413 payload_too_large naming it', async (path, method) => {
    const res = await kin.admin(path, { method, body: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    const error = await errorOf(res);
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toContain('4096');
  });

  it('stops reading a chunked body (no length) at the limit', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: only a reader that stops at the limit lets this request end.
        sent += 1024;
        controller.enqueue(new Uint8Array(1024).fill(32));
        if (sent > 64 * 1024 * 1024) controller.close();
      },
    });
    const res = await kin.admin('/v1/sources', {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': 'application/json' },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('still takes a small body and answers its own field errors', async () => {
    const ok = await kin.admin('/v1/sources', {
      method: 'POST',
      body: JSON.stringify({ name: 'hardening' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.status).toBe(201);
    const bad = await kin.admin('/v1/sources', { method: 'POST', body: 'not json', headers: { 'content-type': 'application/json' } });
    expect((await errorOf(bad)).code).toBe('invalid_source');
  });
});

describe('client aborts and timeouts', () => {
  const basic = () => 'Basic ' + Buffer.from(`${kin.writeKey}:`).toString('base64');

  it('a socket closed mid-body is counted in kin_http_client_aborts_total and logs no error line', async () => {
    const before = await metric('kin_http_client_aborts_total');
    const socket = await rawSocket();
    socket.on('error', () => undefined);
    socket.write(
      `POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic()}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"batch":[`,
    );
    await until(async () => (await metric('kin_http_inflight_requests')) === 1, 'the request is in flight');
    socket.destroy();
    await until(async () => (await metric('kin_http_client_aborts_total')) === before + 1, 'the abort is counted');
    expect(await metric('kin_http_inflight_requests')).toBe(0);
    expect(kin.logLines.filter((l) => l.includes('unexpected error'))).toEqual([]);
  });

  it('an import whose client goes away mid-body is counted as an abort, not logged as an error', async () => {
    const before = await metric('kin_http_client_aborts_total');
    const socket = await rawSocket();
    socket.on('error', () => undefined);
    const rows = 'userId,email\n' + Array.from({ length: 2000 }, (_, i) => `u-${i},u${i}@example.com`).join('\n') + '\n';
    socket.write(
      `POST /v1/imports?source=web&format=csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${kin.adminToken}\r\nContent-Type: text/csv\r\nContent-Length: 10000000\r\n\r\n${rows}`,
    );
    // An import receives its body into a file under KIN_IMPORT_SPOOL_DIR first: once the file exists, the import is surely mid-body.
    await until(() => Promise.resolve(readdirSync(spoolDir).length > 0), 'the import started receiving its body');
    socket.resetAndDestroy();
    await until(async () => (await metric('kin_http_client_aborts_total')) === before + 1, 'the abort is counted');
    expect(kin.logLines.filter((l) => l.includes('unexpected error'))).toEqual([]);
    await until(() => Promise.resolve(readdirSync(spoolDir).length === 0), 'the half-received body is removed');
  });

  it('closes a connection whose headers never end (headers timeout) and one whose body stalls (request timeout)', async () => {
    const slowHeaders = await rawSocket();
    slowHeaders.write('POST /v1/batch HTTP/1.1\r\nHost: x\r\n');
    const slowBody = await rawSocket();
    slowBody.write(`POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic()}\r\nContent-Length: 1000\r\n\r\n{"batch":[`);
    const [headersAnswer, bodyAnswer] = await Promise.all([closed(slowHeaders), closed(slowBody)]);
    expect(headersAnswer).toMatch(/^HTTP\/1\.1 408/);
    expect(bodyAnswer).toMatch(/^HTTP\/1\.1 408/);
    expect((await fetch(kin.url + '/health')).status).toBe(200);
  }, 15_000);
});

describe('ingest admission over a real socket', () => {
  it('past the bound a tracking request gets 503 overloaded with Retry-After (readable cross-origin), /health and admin reads still answer', async () => {
    const gated = await startTestKin({ env: { KIN_MAX_INFLIGHT_REQUESTS: '1' } });
    try {
      const { port } = new URL(gated.url);
      const held = connect(Number(port), '127.0.0.1');
      held.on('error', () => undefined);
      const basic = 'Basic ' + Buffer.from(`${gated.writeKey}:`).toString('base64');
      held.write(
        `POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"batch":[`,
      );
      const inFlight = async () => {
        const text = await (await gated.admin('/metrics')).text();
        return Number(/^kin_http_inflight_requests (\d+)/m.exec(text)?.[1]);
      };
      for (let i = 0; i < 200 && (await inFlight()) !== 1; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await inFlight()).toBe(1);

      const refused = await gated.track(
        '/v1/batch',
        { batch: [{ type: 'track', anonymousId: 'a-gate', event: 'E' }] },
        { headers: { origin: 'https://shop.example' } },
      );
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
      expect((await fetch(gated.url + '/health')).status).toBe(200);
      expect((await gated.admin('/v1/stats')).status).toBe(200);
      expect(await (await gated.admin('/metrics')).text()).toMatch(/^kin_http_overloaded_total 1$/m);

      held.destroy();
      for (let i = 0; i < 200 && (await inFlight()) !== 0; i++) await new Promise((r) => setTimeout(r, 25));
      const admitted = await gated.track('/v1/batch', { batch: [{ type: 'track', anonymousId: 'a-gate', event: 'E' }] });
      expect(admitted.status).toBe(200);
    } finally {
      await gated.close();
    }
  });
});

describe('connection cap', () => {
  it('closes sockets past KIN_MAX_CONNECTIONS and serves again once connections end', async () => {
    const capped = await startTestKin({ env: { KIN_MAX_CONNECTIONS: '2' } });
    try {
      const { port } = new URL(capped.url);
      const open = () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
          socket.on('error', () => undefined);
        });
      const held = [await open(), await open()];
      // Why a request on each: the server has then accepted both, so the third is surely past the cap.
      for (const socket of held) socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await Promise.all(held.map((s) => new Promise((r) => s.once('data', r))));
      const third = await open();
      third.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(await closed(third)).toBe('');
      for (const socket of held) socket.destroy();
      await until(async () => (await fetch(capped.url + '/health').catch(() => undefined))?.status === 200, 'served again');
    } finally {
      await capped.close();
    }
  });
});
