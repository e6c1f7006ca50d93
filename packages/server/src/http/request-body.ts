/**
 * Reads a request body within limits: at most `maxBytes` on the wire and, for gzip, at most `maxBytes`
 * once inflated (a small gzip bomb is refused, not expanded into memory).
 */
import { gunzipSync } from 'node:zlib';
import { ApiError } from './error-catalog.ts';
import { decodeUtf8Body } from './utf8-decode.ts';

/** Reads and parses a JSON body; throws `ApiError` with a code for every failure. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ApiError('payload_too_large', `request body is over ${maxBytes} bytes`);
  }
  // Why two ways: with a declared length the HTTP parser delivers exactly that many bytes, so the body is
  // read whole (the Node adapter's direct path, no Web stream per chunk); a chunked body is counted as it
  // streams. The length check after the read covers a Request built in-process with a wrong header.
  const raw = Number.isFinite(declared) ? Buffer.from(await request.arrayBuffer()) : await readLimited(request, maxBytes);
  if (raw.length > maxBytes) throw new ApiError('payload_too_large', `request body is over ${maxBytes} bytes`);
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  let bytes: Buffer;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
      const tooLarge = error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      throw tooLarge
        ? new ApiError('payload_too_large', `request body is over ${maxBytes} bytes once decompressed`)
        : new ApiError('invalid_json', 'request body is not valid gzip');
    }
  } else if (encoding === 'identity' || encoding === '') {
    bytes = raw;
  } else {
    throw new ApiError('unsupported_encoding', `content-encoding ${encoding} is not supported (use gzip or none)`, 'Content-Encoding');
  }
  if (bytes.length === 0) throw new ApiError('invalid_json', 'request body is empty');
  const { text, firstInvalid } = decodeUtf8Body(bytes);
  try {
    return JSON.parse(text);
  } catch {
    if (firstInvalid >= 0) throw new ApiError('invalid_utf8', `request body is not valid UTF-8 (first invalid byte at offset ${firstInvalid})`);
    throw new ApiError('invalid_json', 'request body is not valid JSON');
  }
}

async function readLimited(request: Request, maxBytes: number): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ApiError('payload_too_large', `request body is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
