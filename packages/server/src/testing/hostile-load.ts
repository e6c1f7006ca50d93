/**
 * Hostile clients for the hostile suite (loopback only, each bounded in time): slow bodies, slow headers,
 * client aborts, and a `/health` sampler in its own process (so the load generator's own event loop never
 * inflates what it measures).
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** How a hostile socket ended. */
export interface SocketOutcome {
  /** The first line the server sent (e.g. `HTTP/1.1 408 Request Timeout`), or '' when it sent nothing. */
  statusLine: string;
  /** True when the server closed the socket (not us). */
  closedByServer: boolean;
}

function open(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Opens a socket, writes `head`, then `drip` every `everyMs` until the server closes it or `giveUpMs` passes
 * (then we close it). Slow bodies and slow headers are both this.
 */
export async function slowClient(options: {
  url: string;
  head: string;
  drip: string;
  everyMs: number;
  giveUpMs: number;
}): Promise<SocketOutcome> {
  const socket = await open(options.url);
  return new Promise((resolve) => {
    let received = '';
    let ours = false;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(options.head);
    const drip = setInterval(() => socket.write(options.drip), options.everyMs);
    const giveUp = setTimeout(() => {
      ours = true;
      socket.destroy();
    }, options.giveUpMs);
    socket.once('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve({ statusLine: received.split('\r\n')[0] ?? '', closedByServer: !ours });
    });
  });
}

/** Sends `head` and part of a body, waits `afterMs`, then resets the socket (a client that goes away mid-body). */
export async function abortingClient(options: { url: string; head: string; partial: string; afterMs: number }): Promise<void> {
  const socket = await open(options.url);
  socket.on('error', () => undefined);
  socket.write(options.head + options.partial);
  await new Promise((r) => setTimeout(r, options.afterMs));
  socket.resetAndDestroy();
}

/** What the sampler saw. */
export interface HealthSamples {
  count: number;
  failures: number;
  maxMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** [ms since the sampler started, ms the answer took] of every answer over 100 ms. */
  slow: Array<[number, number]>;
}

/** The sampler: GET /health every `everyMs` over one kept-alive connection, in a child process. */
const SAMPLER = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const [url, everyMs] = [process.argv[1], Number(process.argv[2])];
const times = []; const slow = []; const t0 = Date.now(); let failures = 0; let stop = false;
process.stdin.on('data', () => { stop = true; }); process.stdin.resume();
const once = () => new Promise((resolve) => {
  const started = process.hrtime.bigint();
  const req = http.get(url + '/health', { agent, timeout: 5000 }, (res) => {
    res.resume();
    res.on('end', () => { const ms = Number(process.hrtime.bigint() - started) / 1e6; if (res.statusCode === 200) times.push(ms); else failures++; if (ms > 100) slow.push([Date.now() - t0, Math.round(ms)]); resolve(); });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => { failures++; resolve(); });
});
(async () => {
  while (!stop) { await once(); await new Promise((r) => setTimeout(r, everyMs)); }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(times.length * q))] ?? NaN;
  process.stdout.write(JSON.stringify({ count: times.length, failures, maxMs: times[times.length - 1] ?? NaN, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), slow }));
  process.exit(0);
})();
`;

/** Starts sampling `/health`; `stop()` resolves with what it saw. */
export function sampleHealth(url: string, everyMs: number): { stop(): Promise<HealthSamples> } {
  const child = spawn(process.execPath, ['-e', SAMPLER, url, String(everyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    async stop() {
      child.stdin.write('stop\n');
      await exited;
      return JSON.parse(out) as HealthSamples;
    },
  };
}

/** The resident set size of process `pid` in MiB (Linux /proc), or NaN elsewhere. */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}
