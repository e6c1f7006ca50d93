/**
 * NATS for tests. The shared server is `KIN_TEST_NATS_URL` (default nats://127.0.0.1:4222); each test uses
 * its own stream, subject and consumer names (`testStreamNames`) and deletes its stream afterwards. Tests
 * that stop NATS never touch the shared server: they start their own `nats-server` child on a free port
 * (`startNatsServer`), which they may stop and start again on the same port and store directory.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import type { KinConfig } from '../config.ts';

const DEFAULT_URL = 'nats://127.0.0.1:4222';
const NATS_SERVER_BIN = process.env.KIN_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';

/** The shared test NATS URL. */
export function testNatsUrl(): string {
  return process.env.KIN_TEST_NATS_URL ?? DEFAULT_URL;
}

/** `{ ok: false, reason }` when the shared NATS (with JetStream) cannot be reached. */
export async function testNatsStatus(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const nc = await connect({ servers: testNatsUrl(), timeout: 2_000, maxReconnectAttempts: 0 });
    try {
      await (await nc.jetstreamManager()).getAccountInfo();
      return { ok: true };
    } finally {
      await nc.close();
    }
  } catch (error) {
    return {
      ok: false,
      reason: `NATS JetStream at ${testNatsUrl()} is unreachable: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Unique stream, subject and consumer names for one test (env form, as the `kin` processes read them). */
export function testStreamNames(): { nats: KinConfig['nats']; env: Record<string, string> } {
  const id = randomBytes(5).toString('hex');
  const nats = {
    stream: `KIN_TEST_${id}`,
    subject: `kintest.${id}`,
    consumer: `kin-test-${id}`,
    batch: 500,
    ackWaitSeconds: 10,
    maxDeliveries: 5,
    dlqStream: `KIN_TEST_${id}_DLQ`,
    dlqSubject: `kintestdead.${id}`,
  };
  return {
    nats,
    env: {
      KIN_NATS_STREAM: nats.stream,
      KIN_NATS_SUBJECT: nats.subject,
      KIN_NATS_CONSUMER: nats.consumer,
      KIN_WORKER_BATCH: String(nats.batch),
      KIN_WORKER_ACK_WAIT_SECONDS: String(nats.ackWaitSeconds),
      KIN_NATS_DLQ_STREAM: nats.dlqStream,
      KIN_NATS_DLQ_SUBJECT: nats.dlqSubject,
    },
  };
}

/** Deletes a test stream (and its consumers), its dead-letter stream and privacy bucket; ignores those already gone. */
export async function deleteTestStream(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url, timeout: 2_000, maxReconnectAttempts: 0 });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => false);
    await jsm.streams.delete(`${stream}_DLQ`).catch(() => false);
    // The privacy list's bucket (pipeline/nats-privacy-list.ts).
    await jsm.streams.delete(`KV_${stream}_PRIVACY`).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Whether this machine has a nats-server binary for private servers. */
export function natsServerAvailable(): boolean {
  return existsSync(NATS_SERVER_BIN);
}

/** A private nats-server with JetStream, which a test may stop and start again. */
export interface PrivateNats {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its store directory. */
  destroy(): Promise<void>;
}

/** Starts a private nats-server on a free port with its own store directory. */
export async function startNatsServer(): Promise<PrivateNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kin-nats-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(NATS_SERVER_BIN, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await portOpen(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`nats-server did not start on port ${port}`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Polls `check` every 50 ms until it holds; throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
