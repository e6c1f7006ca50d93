import { describe, expect, it } from 'vitest';
import type { Identifier } from '@kin/core';
import { identifierDigest, createPrivacyKeyer } from '../../privacy/privacy-keys.ts';
import { cachedDigest } from './postgres-digest-cache.ts';

const keyer = createPrivacyKeyer('digest-cache-test-secret-0123456789');
const id = (type: string, value: string): Identifier => ({ type, value });

describe('cachedDigest', () => {
  it('answers what the digest answers, computing each identifier once', () => {
    const calls: string[] = [];
    const digest = cachedDigest((identifier) => (calls.push(identifier.value), identifierDigest(keyer, identifier)));
    const ids = [id('email', 'a@x.io'), id('user_id', 'a@x.io'), id('email', 'b@x.io'), id('email', 'a@x.io')];
    expect(ids.map(digest)).toEqual(ids.map((i) => identifierDigest(keyer, i)));
    expect(calls).toEqual(['a@x.io', 'a@x.io', 'b@x.io']);
  });

  it('keys by type and value apart (a value holding the separator does not collide)', () => {
    const digest = cachedDigest((identifier) => `${identifier.type}|${identifier.value}`);
    expect(digest(id('a', 'b\u0000c'))).toBe('a|b\u0000c');
    expect(digest(id('a\u0000b', 'c'))).toBe('a\u0000b|c');
  });

  it('starts over past its limit, still answering correctly', () => {
    let calls = 0;
    const digest = cachedDigest((identifier) => (calls++, identifier.value.toUpperCase()), 2);
    for (const v of ['a', 'b', 'a', 'c', 'a']) expect(digest(id('t', v))).toBe(v.toUpperCase());
    // a, b computed; a remembered; c starts over (a forgotten); a computed again.
    expect(calls).toBe(4);
  });
});
