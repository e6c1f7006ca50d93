import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { createKinMetrics } from './kin-metrics.ts';
import { serveWorkerOps } from './ops-routes.ts';

const config = parseConfig({ KIN_HEADERS_TIMEOUT_SECONDS: '1', KIN_REQUEST_TIMEOUT_SECONDS: '2', KIN_MAX_CONNECTIONS: '50' });
let ops: Awaited<ReturnType<typeof serveWorkerOps>>;
beforeAll(async () => {
  ops = await serveWorkerOps({
    port: 0,
    host: '127.0.0.1',
    metrics: createKinMetrics(),
    tokenHashes: [],
    ready: async () => true,
    server: config.server,
  });
});
afterAll(() => new Promise<void>((done) => ops.server.close(() => done())));

describe("a worker's ops server", () => {
  it('answers with the security headers and the configured connection cap', async () => {
    const res = await fetch(`http://127.0.0.1:${ops.port}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ops.server.maxConnections).toBe(50);
  });

  it('closes a connection whose headers never end (408)', async () => {
    const socket = connect(ops.port, '127.0.0.1');
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const answer = await new Promise<string>((resolve) => {
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString()));
      socket.on('error', () => undefined);
      socket.once('close', () => resolve(received));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
