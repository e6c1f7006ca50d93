/**
 * Import benchmark on hostile bodies (issue 17, failure 2): each case posts one body to `POST /v1/imports`
 * of a real Kin (SQLite, real socket) in a fresh child process and reports the child's peak RSS, the
 * seconds the import took, and tracking latency (p50 / p99 / max of `/v1/track` calls made every 20 ms
 * while the import runs). The baseline, from the same run, is the time to merely read the same body
 * (gunzip and count its line feeds), so the ratio shows the import's cost over plain reading.
 *
 *   node --import tsx bench/import-bench.ts [--only newlines,jsonl,quote,plain] [--scale 0.1]
 *
 * Cases (full scale): a 300 MB quoted field of newlines sent as ~300 KB of gzip (killed the process
 * before: "Fatal JavaScript invalid size error"); a one-line 40 MB JSON-lines record (40–66 s before);
 * a 200,000-row CSV with an unclosed quote in row 2 (1 row imported before); a plain 200,000-row CSV.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip, createGunzip } from 'node:zlib';

interface BenchCase {
  name: string;
  format: 'csv' | 'jsonl';
  gzip: boolean;
  /** The body, as chunks (never one big string). */
  body(scale: number): Generator<string>;
  /** What the answer must show. */
  expect(answer: ImportAnswer, scale: number): string | undefined;
}

interface ImportAnswer {
  rows: number;
  imported: number;
  rejected: number;
  rejectedByCode: Record<string, number>;
}

const MB = 1024 * 1024;

function* repeated(text: string, bytes: number): Generator<string> {
  const block = text.repeat(Math.ceil((64 * 1024) / text.length));
  for (let left = bytes; left > 0; left -= block.length) yield left >= block.length ? block : block.slice(0, left);
}

function* people(rows: number, badRow?: number): Generator<string> {
  yield 'id,first_name,last_name,email\n';
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    chunk += i === badRow ? `${i},"Bob,Stone,b${i}@x.io\n` : `${i},P${i},L${i},p${i}@example.com\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

const CASES: BenchCase[] = [
  {
    name: 'newlines',
    format: 'csv',
    gzip: true,
    *body(scale) {
      yield 'id,first_name,note\n1,Ann,"';
      yield* repeated('\n', Math.round(300 * MB * scale));
      yield '"\n2,Bob,ok\n';
    },
    expect: (a) =>
      a.imported === 1 && a.rejectedByCode['record_too_large'] === 1
        ? undefined
        : 'expected row 2 imported and row 1 rejected as record_too_large',
  },
  {
    name: 'jsonl',
    format: 'jsonl',
    gzip: false,
    *body(scale) {
      yield '{"id":"a","note":"';
      yield* repeated('a', Math.round(40 * MB * scale));
      yield '"}\n{"id":"b","first_name":"Bea"}\n';
    },
    expect: (a) =>
      a.imported === 1 && a.rejectedByCode['record_too_large'] === 1
        ? undefined
        : 'expected line 2 imported and line 1 rejected as record_too_large',
  },
  {
    name: 'quote',
    format: 'csv',
    gzip: false,
    body: (scale) => people(Math.round(200_000 * scale), 2),
    expect: (a, scale) =>
      a.imported === Math.round(200_000 * scale) - 1 && a.rejected === 1 ? undefined : 'expected every row but row 2 imported',
  },
  {
    name: 'plain',
    format: 'csv',
    gzip: false,
    body: (scale) => people(Math.round(200_000 * scale)),
    expect: (a, scale) => (a.imported === Math.round(200_000 * scale) ? undefined : 'expected every row imported'),
  },
];

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
}

/** Child: starts Kin, posts the body file, probes tracking meanwhile, prints one JSON line. */
async function child(file: string, format: string, gzip: boolean): Promise<void> {
  const { startTestKin } = await import('../packages/server/src/testing/kin-harness.ts');
  const kin = await startTestKin();
  const rssBefore = process.memoryUsage().rss;
  let running = true;
  let calls = 0;
  const probeInto = async (latencies: number[], until: () => boolean): Promise<void> => {
    while (!until()) {
      const t = performance.now();
      const res = await kin.track('/v1/track', { event: 'Probe', userId: `probe-${calls++}` });
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // The same-run baseline for tracking: 30 calls with no import running.
  const idle: number[] = [];
  await probeInto(idle, () => idle.length >= 30);
  idle.sort((a, b) => a - b);
  const latencies: number[] = [];
  const probe = probeInto(latencies, () => !running);
  const started = performance.now();
  // The body is sent by curl, another process: this process's RSS and event loop are the server's.
  const args = [
    '-sS',
    '-X',
    'POST',
    '--data-binary',
    `@${file}`,
    '-w',
    '\n%{http_code}',
    '-H',
    `authorization: Bearer ${kin.adminToken}`,
    '-H',
    'content-type: text/plain',
  ];
  if (gzip) args.push('-H', 'content-encoding: gzip');
  const output = await new Promise<string>((resolve, reject) => {
    const curl = spawn('curl', [...args, `${kin.url}/v1/imports?source=bench&format=${format}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    curl.stdout.on('data', (d: Buffer) => (out += d.toString()));
    curl.once('error', reject);
    curl.once('exit', () => resolve(out));
  });
  const seconds = (performance.now() - started) / 1000;
  const [json = '{}', status = '0'] = output.trim().split('\n');
  const res = { status: Number(status) };
  const answer = JSON.parse(json) as ImportAnswer;
  running = false;
  await probe;
  latencies.sort((a, b) => a - b);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      status: res.status,
      answer,
      seconds,
      peakRssMb,
      rssBeforeMb: rssBefore / MB,
      trackIdle: { p50: percentile(idle, 0.5), p99: percentile(idle, 0.99) },
      track: { calls: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? 0 },
    }),
  );
  await kin.close();
}

/** The baseline: read the body file as the server would (gunzip) and count its line feeds. */
async function readBaseline(file: string, gzip: boolean): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  let bytes = 0;
  let lines = 0;
  const input = gzip ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  void lines;
  return { seconds: (performance.now() - started) / 1000, bytes };
}

function runChild(file: string, c: BenchCase): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const proc = spawn(process.execPath, ['--import', 'tsx', self, '--child', file, c.format, String(c.gzip)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`case ${c.name}: child exited ${code}: ${out}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const at = process.argv.indexOf('--child');
    await child(process.argv[at + 1]!, process.argv[at + 2]!, process.argv[at + 3] === 'true');
    return;
  }
  const scale = Number(arg('--scale') ?? '1');
  const only = arg('--only')?.split(',');
  const dir = mkdtempSync(join(tmpdir(), 'kin-import-bench-'));
  let failed = false;
  console.log(`import bench, scale ${scale}`);
  console.log(
    'case       body-MB  sent-MB  seconds  read-sec  ratio   RSS-idle-MB  peak-RSS-MB  track-idle-p50/p99-ms  track-p50-ms  track-p99-ms  track-max-ms  answer',
  );
  try {
    for (const c of CASES) {
      if (only && !only.includes(c.name)) continue;
      const file = join(dir, `${c.name}.body`);
      if (c.gzip) await pipeline(Readable.from(c.body(scale)), createGzip(), createWriteStream(file));
      else await pipeline(Readable.from(c.body(scale)), createWriteStream(file));
      const { size } = await import('node:fs/promises').then((fs) => fs.stat(file));
      const base = await readBaseline(file, c.gzip);
      const r = (await runChild(file, c)) as {
        status: number;
        answer: ImportAnswer;
        seconds: number;
        peakRssMb: number;
        rssBeforeMb: number;
        trackIdle: { p50: number; p99: number };
        track: { p50: number; p99: number; max: number };
      };
      const problem = r.status !== 200 ? `status ${r.status}` : c.expect(r.answer, scale);
      if (problem) failed = true;
      console.log(
        [
          c.name.padEnd(10),
          (base.bytes / MB).toFixed(1).padStart(7),
          (size / MB).toFixed(2).padStart(8),
          r.seconds.toFixed(2).padStart(8),
          base.seconds.toFixed(2).padStart(9),
          (r.seconds / Math.max(base.seconds, 0.001)).toFixed(1).padStart(6),
          r.rssBeforeMb.toFixed(0).padStart(12),
          r.peakRssMb.toFixed(0).padStart(12),
          `${r.trackIdle.p50.toFixed(1)}/${r.trackIdle.p99.toFixed(1)}`.padStart(22),
          r.track.p50.toFixed(1).padStart(13),
          r.track.p99.toFixed(1).padStart(13),
          r.track.max.toFixed(1).padStart(13),
          ` ${r.answer.rows} rows, ${r.answer.imported} imported, rejected ${JSON.stringify(r.answer.rejectedByCode)}${problem ? `  FAIL: ${problem}` : ''}`,
        ].join(' '),
      );
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

await main();
