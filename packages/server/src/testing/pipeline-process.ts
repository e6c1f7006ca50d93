/**
 * Runs `kin collect` and `kin worker` as real child processes (the same bin a user runs), for the
 * scale-out end-to-end test and the pipeline benchmark.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { KIN_BIN } from './kin-process.ts';

/** A started `kin` process that printed its URL. */
export interface KinProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then wait for the exit (graceful: drains). */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to drain or ack. */
  kill(): Promise<number | null>;
}

/** Starts `kin COMMAND --host 127.0.0.1 --port 0 ARGS…` and resolves once it prints "running on URL". */
export function startKinProcess(command: 'collect' | 'worker' | 'serve', args: string[], env: Record<string, string>): Promise<KinProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIN_BIN, command, '--host', '127.0.0.1', '--port', '0', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const timer = setTimeout(() => reject(new Error(`kin ${command} did not start: ${output}`)), 60_000);
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /running on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          exited,
          stop: () => signal(child, 'SIGTERM', exited),
          kill: () => signal(child, 'SIGKILL', exited),
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kin ${command} exited (${code}) before starting: ${output}`));
    });
  });
}

function signal(child: ChildProcess, name: NodeJS.Signals, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill(name);
  return exited;
}
