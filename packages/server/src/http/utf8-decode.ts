/**
 * Decoding a request body's bytes. Why not `buffer.toString('utf8')`: it turns every invalid byte into
 * U+FFFD, so two different raw-byte userIds (`coll-\xff` and `coll-\xfe`) became the same `coll-�` and
 * merged two people. Here invalid bytes survive decoding as lone surrogates U+DC80–U+DCFF (Python's
 * "surrogateescape"), which the event validator rejects per item (`invalid_text`, naming the field),
 * while the good items of the same batch are kept. A leading UTF-8 byte order mark is dropped.
 */
import { isUtf8 } from 'node:buffer';

/** The decoded text and the offset of the first invalid byte (-1 when the body is valid UTF-8). */
export interface DecodedBody {
  text: string;
  firstInvalid: number;
}

/** Decodes UTF-8, dropping a BOM and escaping invalid bytes as lone surrogates (see the file comment). */
export function decodeUtf8Body(bytes: Buffer): DecodedBody {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bom === 0 ? bytes : bytes.subarray(bom);
  // The common case, checked natively (simdutf) in a fraction of the decoding time.
  if (isUtf8(body)) return { text: body.toString('utf8'), firstInvalid: -1 };
  const parts: string[] = [];
  let firstInvalid = -1;
  let run = 0;
  let i = 0;
  while (i < body.length) {
    const length = sequenceLength(body, i);
    if (length > 0) {
      i += length;
      continue;
    }
    if (firstInvalid < 0) firstInvalid = bom + i;
    parts.push(body.toString('utf8', run, i), String.fromCharCode(0xdc00 + body[i]!));
    i += 1;
    run = i;
  }
  parts.push(body.toString('utf8', run));
  return { text: parts.join(''), firstInvalid };
}

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x80 && byte <= 0xbf;

/** The length of the well-formed UTF-8 sequence at `at` (Unicode table 3-7), or 0 when it is not one. */
function sequenceLength(bytes: Buffer, at: number): number {
  const b0 = bytes[at]!;
  if (b0 < 0x80) return 1;
  const b1 = bytes[at + 1];
  if (b1 === undefined) return 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) return isContinuation(b1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const low = b0 === 0xe0 ? 0xa0 : 0x80;
    const high = b0 === 0xed ? 0x9f : 0xbf;
    return b1 >= low && b1 <= high && isContinuation(bytes[at + 2]) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const low = b0 === 0xf0 ? 0x90 : 0x80;
    const high = b0 === 0xf4 ? 0x8f : 0xbf;
    return b1 >= low && b1 <= high && isContinuation(bytes[at + 2]) && isContinuation(bytes[at + 3]) ? 4 : 0;
  }
  return 0;
}
