/**
 * Durable commits without holding the writer through the fsync.
 *
 * Why: with `synchronous = FULL` every COMMIT waits for an fsync of the WAL on the writer's own thread, and
 * nothing else can be written meanwhile. Here the connection runs with `synchronous = NORMAL` (a COMMIT
 * writes its WAL frames to the operating system, which keeps them across a crash of this process, and the
 * WAL is still synced before every checkpoint), and a commit is acknowledged only after an `fdatasync` of
 * the WAL file, run on libuv's thread pool. fsync flushes the file, not a descriptor, so our own descriptor
 * covers the frames SQLite wrote. Commits that arrive while a sync runs share the next one.
 *
 * So a 2xx still means "on disk", and the writer starts the next transaction while the disk works.
 */
import { close, fdatasync, fstat, open } from 'node:fs';
import { promisify } from 'node:util';

const openAsync = promisify(open);
const fdatasyncAsync = promisify(fdatasync);
const fstatAsync = promisify(fstat);
const closeAsync = promisify(close);

/** Makes what was committed so far durable. */
export interface WalSync {
  /** Resolves when every commit that finished before this call is on disk. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Group fsync of `<database>-wal`; `options.fdatasync` replaces the system call (tests count calls with it). */
export function createWalSync(databasePath: string, options: { fdatasync?: (fd: number) => Promise<void> } = {}): WalSync {
  const datasync = options.fdatasync ?? fdatasyncAsync;
  const walPath = `${databasePath}-wal`;
  let fd: number | undefined;
  /** The sync running now, and the one that will start after it (shared by everyone who asks meanwhile). */
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  async function descriptor(): Promise<number> {
    if (fd !== undefined) {
      // Why: a file that was unlinked and recreated (another process ended WAL mode) would sync nothing.
      const stat = await fstatAsync(fd);
      if (stat.nlink > 0) return fd;
      await closeAsync(fd);
      fd = undefined;
    }
    fd = await openAsync(walPath, 'r');
    return fd;
  }

  async function once(): Promise<void> {
    await datasync(await descriptor());
  }

  function start(): Promise<void> {
    const current = once().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  }

  return {
    sync() {
      if (!running) return start();
      // A sync that is already running may have started before this caller's commit: wait for a new one.
      next ??= running.then(
        () => {
          next = undefined;
          return start();
        },
        () => {
          next = undefined;
          return start();
        },
      );
      return next;
    },
    async close() {
      while (running || next) await (next ?? running)!.catch(() => undefined);
      if (fd !== undefined) await closeAsync(fd);
      fd = undefined;
    },
  };
}
