/**
 * The body of the checkpoint thread (see sqlite-checkpointer.ts): its own connection, copying the WAL into
 * the database file every `intervalMs`, so the writer never does it inside a COMMIT.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { threadData } from '../../thread-start.ts';
import type { CheckpointThreadData } from './sqlite-checkpointer.ts';

const data = threadData<CheckpointThreadData>(workerData);
const db = new Database(data.path);
// NORMAL or above: the checkpoint syncs the WAL before copying and the database file after.
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(): void {
  // PASSIVE never waits for the writer: it copies what is committed and leaves the rest for next time.
  const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
  if (passive && passive.log > data.maxFrames && passive.checkpointed < passive.log) {
    // The writer outran us: RESTART waits for it between transactions, copies the little that is left
    // and lets the next transaction write the WAL from its start again, so the file stops growing.
    db.pragma(`busy_timeout = ${data.restartWaitMs}`);
    try {
      db.pragma('wal_checkpoint(RESTART)');
    } finally {
      db.pragma('busy_timeout = 0');
    }
  }
}

const timer = setInterval(() => {
  try {
    checkpoint();
  } catch {
    // SQLITE_BUSY and the like: the next tick tries again; nothing here is ever half-done.
  }
}, data.intervalMs);

parentPort!.on('message', (message: 'close') => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort!.postMessage('closed');
  parentPort!.close();
});
parentPort!.postMessage('ready');
