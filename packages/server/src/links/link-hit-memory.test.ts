import { describe, expect, it } from 'vitest';
import { createHitMemory, targetOf } from './link-hit-memory.ts';

describe('the redirect memory', () => {
  it('builds the same target as setting kin_link on the parsed URL', () => {
    const urls = [
      'https://shop.example/sale',
      'https://shop.example/sale?utm_source=email&q=a%20b+c',
      'https://shop.example/p?kin_link=old&x=1#top',
      'https://shop.example/ünïcode?name=J%C3%BCrgen',
      'http://127.0.0.1:8080/',
    ];
    for (const url of urls) {
      const expected = new URL(url);
      expected.searchParams.set('kin_link', '0192f4c3-1a2b-7c3d-8e4f-a5b6c7d8e9f0');
      expect(targetOf(url)('0192f4c3-1a2b-7c3d-8e4f-a5b6c7d8e9f0'), url).toBe(expected.href);
    }
  });

  it('checks a MAC once per link and token, and starts over past its limit', () => {
    const memory = createHitMemory(2);
    let checks = 0;
    const check = () => (checks++, true);
    expect(memory.tokenMatches('l1', 't', check)).toBe(true);
    expect(memory.tokenMatches('l1', 't', check)).toBe(true);
    expect(checks).toBe(1);
    memory.tokenMatches('l2', 't', check);
    memory.tokenMatches('l3', 't', check);
    memory.tokenMatches('l1', 't', check);
    expect(checks).toBe(4);
  });
});
