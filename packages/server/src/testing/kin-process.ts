/**
 * Runs the real `kin` command as a child process (CLI and crash tests): the same bin a user runs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the `kin` bin. */
export const KIN_BIN = fileURLToPath(new URL('../../bin/kin.js', import.meta.url));

/** Output of a finished command. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kin ARGS…` to completion. */
export function runKin(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIN_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `kin serve` child process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Waits for the process to exit. */
  exited: Promise<number | null>;
}

/** Starts `kin serve ARGS…` and resolves once it prints its URL; `nodeArgs` go to node (e.g. `--cpu-prof`). */
export function serveKin(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, KIN_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const timer = setTimeout(() => reject(new Error(`kin serve did not start: ${stdout} ${stderr}`)), 30_000);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const match = /running on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        // Give the first-start banner (printed right after the URL line) a moment to arrive.
        setTimeout(() => resolve({ child, url: match[1]!, stdout: () => stdout, stderr: () => stderr, exited }), 50);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kin serve exited (${code}) before starting: ${stdout} ${stderr}`));
    });
  });
}
