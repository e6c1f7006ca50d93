import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createAdmission } from './admission-control.ts';
import { ApiError, statusOf } from './error-catalog.ts';

/** An app whose one route waits until the test releases it: requests stay "in flight" as long as needed. */
function gatedApp(limits: { maxInFlightBytes: number; maxInFlightRequests: number; maxRequestBytes: number }) {
  let refused = 0;
  const admission = createAdmission(limits, { refused: () => (refused += 1) });
  const waiting: Array<() => void> = [];
  const app = new Hono();
  app.use('/in', admission.middleware);
  app.post('/in', () => new Promise<Response>((done) => waiting.push(() => done(new Response('ok')))));
  app.onError((error, c) => (error instanceof ApiError ? c.json(error.body(), statusOf(error.code), error.headers) : c.text('bug', 500)));
  const post = (bytes: number, headers: Record<string, string> = {}) =>
    app.request('/in', { method: 'POST', body: 'x'.repeat(bytes), headers: { 'content-length': String(bytes), ...headers } });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { admission, post, waiting, settle, refused: () => refused };
}

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('ingest admission', () => {
  it('refuses the request past the in-flight request bound with 503 overloaded and Retry-After, and admits again once one ends', async () => {
    const gate = gatedApp({ maxInFlightBytes: 1_000_000, maxInFlightRequests: 2, maxRequestBytes: 1000 });
    const first = gate.post(10);
    const second = gate.post(10);
    await gate.settle();
    expect(gate.admission.inFlight()).toEqual({ requests: 2, bytes: 20 });
    const third = await gate.post(10);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await codeOf(third)).toBe('overloaded');
    expect(gate.refused()).toBe(1);
    gate.waiting.shift()!();
    expect((await first).status).toBe(200);
    const fourth = gate.post(10);
    await gate.settle();
    expect(gate.admission.inFlight().requests).toBe(2);
    for (const release of gate.waiting.splice(0)) release();
    expect((await second).status).toBe(200);
    expect((await fourth).status).toBe(200);
    expect(gate.admission.inFlight()).toEqual({ requests: 0, bytes: 0 });
  });

  it('refuses a request whose declared bytes would pass the byte bound, but an idle gate admits one request of any size', async () => {
    const gate = gatedApp({ maxInFlightBytes: 100, maxInFlightRequests: 100, maxRequestBytes: 1000 });
    const big = gate.post(500);
    await gate.settle();
    expect(gate.admission.inFlight()).toEqual({ requests: 1, bytes: 500 });
    expect((await gate.post(1)).status).toBe(503);
    gate.waiting.shift()!();
    expect((await big).status).toBe(200);
    const small = [gate.post(60), gate.post(40)];
    await gate.settle();
    expect(gate.admission.inFlight().bytes).toBe(100);
    expect(await codeOf(await gate.post(1))).toBe('overloaded');
    for (const release of gate.waiting.splice(0)) release();
    expect((await Promise.all(small)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('reserves the request limit for gzip and for bodies without a length (they may grow to it)', async () => {
    const gate = gatedApp({ maxInFlightBytes: 10_000, maxInFlightRequests: 100, maxRequestBytes: 1000 });
    const zipped = gate.post(10, { 'content-encoding': 'gzip' });
    await gate.settle();
    expect(gate.admission.inFlight().bytes).toBe(1000);
    const app = new Hono();
    app.use('/in', gate.admission.middleware);
    app.post('/in', () => new Promise<Response>((done) => gate.waiting.push(() => done(new Response('ok')))));
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(5)), c.close()) });
    const noLength = app.request('/in', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    await gate.settle();
    expect(gate.admission.inFlight()).toEqual({ requests: 2, bytes: 2000 });
    for (const release of gate.waiting.splice(0)) release();
    await Promise.all([zipped, noLength]);
    expect(gate.admission.inFlight()).toEqual({ requests: 0, bytes: 0 });
  });

  it('releases its reservation when the handler throws', async () => {
    const admission = createAdmission({ maxInFlightBytes: 1000, maxInFlightRequests: 1, maxRequestBytes: 1000 });
    const app = new Hono();
    app.use('/in', admission.middleware);
    app.post('/in', () => {
      throw new Error('bug');
    });
    app.onError((_e, c) => c.text('bug', 500));
    expect((await app.request('/in', { method: 'POST', body: 'x' })).status).toBe(500);
    expect(admission.inFlight()).toEqual({ requests: 0, bytes: 0 });
  });
});
