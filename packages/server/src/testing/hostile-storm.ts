/**
 * The storm of the hostile suite (e2e/hostile.e2e.test.ts): concurrent ~500 KB batches sent as an SDK
 * sends them (503 retried after Retry-After with backoff), slow bodies, slow headers and client aborts, all
 * at once against one URL, while `/health` is sampled from another process and the server's RSS is read.
 * Loopback only; it ends by itself (RETRY_FOR_MS, and the server's request timeout for the slow clients).
 */
import type { HealthSamples, SocketOutcome } from './hostile-load.ts';
import { abortingClient, rssMiB, sampleHealth, slowClient } from './hostile-load.ts';

/** Events per batch. */
export const EVENTS_PER_BATCH = 120;
const PAD = 'x'.repeat(4000);
const SLOW_BODIES = 40;
const SLOW_HEADERS = 300;
const ABORTS = 200;
/** After this, a batch still refused is given up (not acknowledged): the storm ends by itself. */
const RETRY_FOR_MS = 35_000;

/** Batch `b`: EVENTS_PER_BATCH events of ~4 KB (about 500 KB), messageIds `hostile-<n>`. */
export function batchBody(b: number): string {
  const batch = [];
  for (let e = 0; e < EVENTS_PER_BATCH; e++) {
    const n = b * EVENTS_PER_BATCH + e;
    batch.push(
      e % 10 === 0
        ? { type: 'identify', messageId: `hostile-${n}`, anonymousId: `anon-${n % 4000}`, userId: `user-${n % 1500}`, traits: { pad: PAD } }
        : { type: 'track', messageId: `hostile-${n}`, anonymousId: `anon-${n % 4000}`, event: 'Viewed', properties: { pad: PAD } },
    );
  }
  return JSON.stringify({ batch });
}

/** Every answer a batch got, and whether it was finally acknowledged. */
export interface BatchOutcome {
  acked: boolean;
  answers: Array<{ status: number; code?: string; retryAfter?: string | null }>;
  networkErrors: number;
}

/** Sends one batch as an SDK does: a 503 is retried after its Retry-After with backoff (plus a spread), until the deadline. */
async function sendBatch(url: string, auth: string, b: number, until: number): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { acked: false, answers: [], networkErrors: 0 };
  const body = batchBody(b);
  while (Date.now() < until) {
    let wait = 1000;
    try {
      const res = await fetch(url + '/v1/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body,
      });
      const json = (await res.json().catch(() => ({}))) as { error?: { code: string } };
      outcome.answers.push({
        status: res.status,
        ...(json.error ? { code: json.error.code } : {}),
        retryAfter: res.headers.get('retry-after'),
      });
      if (res.status === 200) {
        outcome.acked = true;
        return outcome;
      }
      // 503: over the bound; 408: our own upload was slower than the server's request timeout (a starved
      // load generator). SDKs retry both.
      if (res.status !== 503 && res.status !== 408) return outcome;
      // As SDKs do: at least Retry-After, backing off exponentially (1, 2, 4, 8 s) with a spread per batch.
      const retryAfter = Number(res.headers.get('retry-after') ?? 1) * 1000;
      wait = Math.max(retryAfter, Math.min(8000, 1000 * 2 ** (outcome.answers.length - 1)));
    } catch {
      outcome.networkErrors += 1;
    }
    await new Promise((r) => setTimeout(r, wait * (1 + (b % 10) / 20)));
  }
  return outcome;
}

/** What one storm produced. */
export interface Storm {
  batches: BatchOutcome[];
  slowBodies: SocketOutcome[];
  slowHeaders: SocketOutcome[];
  calm: HealthSamples;
  samples: HealthSamples;
  rss: number[];
  seconds: number;
  exitedEarly: boolean;
  aborts: number;
}

/** Runs every hostile client at once against `url` while sampling /health and the server's RSS. */
export async function runStorm(options: {
  url: string;
  pid: number;
  exited: Promise<unknown>;
  batches: number;
  auth: string;
  adminToken: string;
}): Promise<Storm> {
  const { url, pid, exited, auth } = options;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  // A calm phase first: what /health costs on this machine without the storm (context for the figure).
  const calmSampler = sampleHealth(url, 50);
  await new Promise((r) => setTimeout(r, 2000));
  const calm = await calmSampler.stop();
  const health = sampleHealth(url, 50);
  const rss: number[] = [await rssMiB(pid)];
  const rssTimer = setInterval(() => void rssMiB(pid).then((m) => rss.push(m)), 200);
  const started = Date.now();
  const head = (length: number) =>
    `POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
  const [batches, slowBodies, slowHeaders] = await Promise.all([
    Promise.all(Array.from({ length: options.batches }, (_, b) => sendBatch(url, auth, b, started + RETRY_FOR_MS))),
    Promise.all(
      Array.from({ length: SLOW_BODIES }, () =>
        slowClient({ url, head: head(500_000), drip: ' '.repeat(10), everyMs: 500, giveUpMs: 40_000 }),
      ),
    ),
    Promise.all(
      Array.from({ length: SLOW_HEADERS }, (_, i) =>
        slowClient({ url, head: 'POST /v1/batch HTTP/1.1\r\n', drip: `X-Slow-${i}: 1\r\n`, everyMs: 500, giveUpMs: 40_000 }),
      ),
    ),
    Promise.all(
      Array.from({ length: ABORTS }, (_, i) =>
        abortingClient({ url, head: head(400_000), partial: '{"batch":[' + '{"type":"track",'.repeat(500), afterMs: 20 + (i % 50) * 10 }),
      ),
    ),
  ]);
  const seconds = (Date.now() - started) / 1000;
  clearInterval(rssTimer);
  const samples = await health.stop();
  const metrics = await (await fetch(url + '/metrics', { headers: { authorization: `Bearer ${options.adminToken}` } })).text();
  const aborts = Number(/^kin_http_client_aborts_total (\d+)/m.exec(metrics)?.[1]);
  return { batches, slowBodies, slowHeaders, calm, samples, rss, seconds, exitedEarly, aborts };
}
