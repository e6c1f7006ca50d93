import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson } from '@kin/core';
import { storableJsonText } from './request-body.ts';
import { decodeUtf8Body } from './utf8-decode.ts';

/** Strings that often hold the characters that matter: NUL, lone and paired surrogates, backslashes. */
const tricky = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\0', '\ud800', '\udfff', '😀', '\\', 'u', '0', 'd', '8', 'a', '"'),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  ),
  maxLength: 12,
});
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    tricky,
    fc.integer(),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(tricky, tie('node'), { maxKeys: 3 }),
  ),
})).node;

/** The same JSON text with every non-ASCII character written as a \u escape (as some encoders do). */
const asciiOnly = (json: string): string => json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('storableJsonText', () => {
  it('never vouches for a text whose parsed strings hold NUL or a lone surrogate (property)', () => {
    fc.assert(
      fc.property(value, fc.boolean(), (v, escapeAll) => {
        const json = escapeAll ? asciiOnly(JSON.stringify(v)) : JSON.stringify(v);
        if (storableJsonText(json)) expect(scanJson(JSON.parse(json), { maxDepth: 1000 }).problem).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it('vouches for ordinary bodies, emoji written raw included', () => {
    expect(storableJsonText(JSON.stringify({ batch: [{ userId: 'ann', traits: { name: 'Zoë 😀', path: 'C:\\users' } }] }))).toBe(true);
    // A literal backslash before u0000 is a false alarm: the items then take the per-string check.
    expect(storableJsonText(JSON.stringify({ note: 'a\\u0000' }))).toBe(false);
    expect(storableJsonText('{"a":"\\n\\t\\u00e9"}')).toBe(true);
    expect(storableJsonText('{"a":"\\u0000"}')).toBe(false);
    expect(storableJsonText('{"a":"\\uD800"}')).toBe(false);
    expect(storableJsonText('{"a":"\\ud83d\\ude00"}')).toBe(false);
    expect(storableJsonText('{"a":"\0"}')).toBe(false);
    expect(storableJsonText('{"a":"\udc00"}')).toBe(false);
  });
});

describe('decodeUtf8Body', () => {
  it('decodes valid UTF-8 as Buffer.toString does, and drops a leading BOM', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodeUtf8Body(Buffer.from(text, 'utf8'))).toEqual({ text, firstInvalid: -1 });
        expect(decodeUtf8Body(Buffer.from('\ufeff' + text, 'utf8')).text).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps different invalid bytes apart as lone surrogates and reports the first offset', () => {
    const a = decodeUtf8Body(Buffer.from([0x61, 0xff, 0x62]));
    const b = decodeUtf8Body(Buffer.from([0x61, 0xfe, 0x62]));
    expect(a).toEqual({ text: 'a\udcffb', firstInvalid: 1 });
    expect(b.text).not.toBe(a.text);
    // Overlong, surrogate-encoding and truncated sequences are invalid, each byte escaped on its own.
    expect(decodeUtf8Body(Buffer.from([0xc0, 0xaf])).text).toBe('\udcc0\udcaf');
    expect(decodeUtf8Body(Buffer.from([0xed, 0xa0, 0x80])).text).toBe('\udced\udca0\udc80');
    expect(decodeUtf8Body(Buffer.from([0xe2, 0x82])).text).toBe('\udce2\udc82');
    expect(decodeUtf8Body(Buffer.from([0xef, 0xbb, 0xbf, 0x80])).firstInvalid).toBe(3);
  });

  it('agrees with the WHATWG decoder on the valid parts of random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        const { text, firstInvalid } = decodeUtf8Body(buffer);
        const withoutBom = buffer.subarray(buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0);
        expect(firstInvalid === -1).toBe(isUtf8(withoutBom));
        const whatwg = new TextDecoder('utf-8', { ignoreBOM: true }).decode(withoutBom);
        const drop = (t: string) => t.replace(/[\udc80-\udcff\ufffd]/g, '');
        expect(drop(text)).toBe(drop(whatwg));
      }),
      { numRuns: 1000 },
    );
  });
});
