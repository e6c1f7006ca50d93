import { describe, expect, it } from 'vitest';
import { applyIpPolicy, truncateIp } from './ip-policy.ts';

describe('truncateIp', () => {
  it('zeroes the last octet of IPv4', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0');
    expect(truncateIp('::ffff:198.51.100.9')).toBe('198.51.100.0');
  });
  it('keeps the /48 of IPv6', () => {
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::');
    expect(truncateIp('[fe80::1%eth0]')).toBe('fe80:0:0::');
  });
  it('refuses what is not an address', () => {
    expect(truncateIp('300.1.1.1')).toBeUndefined();
    expect(truncateIp('ann@example.com')).toBeUndefined();
    expect(truncateIp('1:2:3')).toBeUndefined();
  });
});

describe('applyIpPolicy', () => {
  it('drops, truncates or keeps', () => {
    expect(applyIpPolicy('203.0.113.77', 'drop')).toBeUndefined();
    expect(applyIpPolicy('203.0.113.77', 'truncate')).toBe('203.0.113.0');
    expect(applyIpPolicy('203.0.113.77', 'keep')).toBe('203.0.113.77');
    expect(applyIpPolicy(undefined, 'keep')).toBeUndefined();
  });
});
