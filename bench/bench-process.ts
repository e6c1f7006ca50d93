/** Child processes of the benchmarks (Kin, the bare HTTP baseline), started from the repository root. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const repo = new URL('..', import.meta.url).pathname;

/** Starts a child process (in the repository root, or `cwd`) and waits for the line that gives its URL. */
export function startChild(
  argv: string[],
  env: Record<string, string>,
  pattern: RegExp,
  cwd = repo,
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    // The end of stderr, for the error when the child exits early (a start failure is one line there).
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-2000)));
    child.once('exit', (code) => reject(new Error(`child exited (${code}): ${out}${err}`)));
  });
}

/** Stops a child started by `startChild` and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/** CPU time (user and system, every thread) a process has used so far, in µs; Linux clock ticks are 10 ms. */
export function cpuMicros(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

/** CPU time a process has used so far, user and system together, in µs. */
export function cpuTotalMicros(pid: number): number {
  const cpu = cpuMicros(pid);
  return cpu.user + cpu.system;
}

/** CPU time (µs, user and system) of each thread of a process so far, by thread id; `'self'` for this process. */
export function threadCpuMicros(pid: number | 'self'): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * Waits until a process started: its CPU over `windowMs` stays at or below `idleShare` of one core (at most
 * `maxMs`). Why: a server prints its URL before every thread of it has loaded its modules (the audience
 * thread, with tsx, spends about a second of CPU on it), and CPU counted from the URL line put that
 * one-off cost into the per-event figures.
 */
export async function settled(pid: number, windowMs = 500, idleShare = 0.05, maxMs = 30_000): Promise<void> {
  const until = performance.now() + maxMs;
  // Two quiet windows in a row: on a loaded machine a starting thread can wait a whole window for a core.
  let last = cpuTotalMicros(pid);
  let quiet = 0;
  while (performance.now() < until && quiet < 2) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = cpuTotalMicros(pid);
    quiet = now - last <= windowMs * 1000 * idleShare ? quiet + 1 : 0;
    last = now;
  }
}
