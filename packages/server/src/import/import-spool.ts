/**
 * `POST /v1/imports` receives its body into a temporary file before importing it. Why: the HTTP server's
 * request timeout (KIN_REQUEST_TIMEOUT_SECONDS) bounds receiving a request, and a body read while it is
 * applied arrives only as fast as rows are applied — a 200,000-row file took longer than the timeout and
 * its connection was reset. Received at disk speed, the body is complete in seconds; applying it then
 * takes as long as it needs while the answer is pending. The file holds the body as sent (still gzip),
 * and is removed when the import ends, whatever the outcome.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A received body: its bytes as a stream, its size, and `remove` (always call it). */
export interface SpooledBody {
  bytes: number;
  open(): Readable;
  remove(): Promise<void>;
}

/** Writes `body` to a fresh temporary file under `directory` (KIN_IMPORT_SPOOL_DIR, else the OS's); removes it when receiving fails. */
export async function spoolBody(body: AsyncIterable<Uint8Array>, directory: string = tmpdir()): Promise<SpooledBody> {
  const dir = await mkdtemp(join(directory, 'kin-import-'));
  const path = join(dir, 'body');
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  let bytes = 0;
  try {
    await pipeline(
      Readable.from(body),
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      },
      createWriteStream(path),
    );
  } catch (error) {
    await remove();
    throw error;
  }
  return { bytes, open: () => createReadStream(path, { highWaterMark: 256 * 1024 }), remove };
}
