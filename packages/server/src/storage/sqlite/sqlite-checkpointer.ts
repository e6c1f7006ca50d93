/**
 * Checkpoints on their own thread. Why: a checkpoint copies the pages of the WAL into the database file and
 * syncs it; done by SQLite's automatic checkpoint, that happens inside the writer's COMMIT every few
 * transactions and stops all writing for a few hundred milliseconds. The writer connection turns the
 * automatic checkpoint off (`checkpoint: 'external'`) and this thread does the copying beside it.
 */
import { startThread } from '../../thread-start.ts';

/** What the checkpoint thread is started with. */
export interface CheckpointThreadData {
  path: string;
  /** Milliseconds between two passive checkpoints. */
  intervalMs: number;
  /** WAL frames beyond which a RESTART checkpoint briefly waits for the writer, to bound the file. */
  maxFrames: number;
  /** How long that RESTART waits for the writer before it gives up until the next tick. */
  restartWaitMs: number;
}

/** A running checkpoint thread. */
export interface Checkpointer {
  close(): Promise<void>;
}

/** Starts the checkpoint thread for the SQLite file at `path`. */
export async function startCheckpointer(path: string, options: Partial<Omit<CheckpointThreadData, 'path'>> = {}): Promise<Checkpointer> {
  const data: CheckpointThreadData = { path, intervalMs: 50, maxFrames: 20_000, restartWaitMs: 2_000, ...options };
  const worker = startThread(new URL('./sqlite-checkpoint-thread.ts', import.meta.url), data);
  await new Promise<void>((ready, fail) => {
    worker.once('message', () => ready());
    worker.once('error', fail);
  });
  return {
    async close() {
      const closed = new Promise<void>((done) => worker.once('message', () => done()));
      worker.postMessage('close');
      await Promise.race([closed, new Promise((done) => setTimeout(done, 5_000).unref())]);
      await worker.terminate();
    },
  };
}
