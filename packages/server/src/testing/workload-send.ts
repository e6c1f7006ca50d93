/**
 * Sends the overlap workload over HTTP as Segment batches, for the scale-out test and the pipeline bench:
 * batches hold one source's consecutive events; each answer is checked; a 503 is retried after its
 * Retry-After, as SDKs do.
 */
import type { WorkloadEvent } from './overlap-workload.ts';

/** One request: which source's write key, and the JSON body. */
export interface WorkloadBatch {
  source: 'web' | 'app';
  body: string;
  events: number;
}

/** Cuts the stream into per-source batches of `size` (a source's batch is sent when full, or at the end). */
export function toBatches(events: WorkloadEvent[], size: number): WorkloadBatch[] {
  const open = new Map<'web' | 'app', Array<Record<string, unknown>>>();
  const out: WorkloadBatch[] = [];
  const flush = (source: 'web' | 'app') => {
    const batch = open.get(source);
    if (batch && batch.length > 0) out.push({ source, body: JSON.stringify({ batch }), events: batch.length });
    open.set(source, []);
  };
  for (const { source, event } of events) {
    const batch = open.get(source) ?? [];
    batch.push(event);
    open.set(source, batch);
    if (batch.length >= size) flush(source);
  }
  flush('web');
  flush('app');
  return out;
}

/** Sends `batches` round-robin over `urls`, `concurrency` requests in flight per URL. */
export async function sendBatches(options: {
  urls: string[];
  batches: WorkloadBatch[];
  writeKeys: Record<'web' | 'app', string>;
  concurrency: number;
  /** Called after each accepted batch with the number of events sent so far. */
  onProgress?: (sent: number) => void;
}): Promise<{ retries: number }> {
  let next = 0;
  let sent = 0;
  let retries = 0;
  const auth = (source: 'web' | 'app') => 'Basic ' + Buffer.from(`${options.writeKeys[source]}:`).toString('base64');
  const lane = async (url: string) => {
    while (next < options.batches.length) {
      const batch = options.batches[next++]!;
      for (;;) {
        const res = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          body: batch.body,
          headers: { 'content-type': 'application/json', authorization: auth(batch.source) },
        });
        const text = await res.text();
        if (res.status === 200) break;
        if (res.status !== 503) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
        retries++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      sent += batch.events;
      options.onProgress?.(sent);
    }
  };
  await Promise.all(options.urls.flatMap((url) => Array.from({ length: options.concurrency }, () => lane(url))));
  return { retries };
}
