/**
 * The parts of the policy file applied at the HTTP edge, before anything is stored: `privacy.ip` (what is
 * kept of `context.ip`) and `sources.<name>.rateLimit` (events per second a write key may send). They sit in
 * the policy beside identity verification because, like it, they are per source and read once at start by
 * every collector alike (pipeline mode runs one policy file on every node).
 */
import type { IpMode } from '../spec/ip-policy.ts';
import { IP_MODES } from '../spec/ip-policy.ts';

/** A write key's rate limit: `eventsPerSecond` sustained, with a burst of `burstSeconds` worth of events. */
export interface SourceRateLimit {
  eventsPerSecond: number;
  burstSeconds: number;
}

/** `privacy`: what Kin keeps of personal data it has no use for in full. */
export interface PrivacyPolicy {
  /** What is kept of `context.ip` (default `truncate`; see spec/ip-policy.ts). */
  ip: IpMode;
}

/** The default `privacy` section. */
export const DEFAULT_PRIVACY_POLICY: PrivacyPolicy = Object.freeze({ ip: 'truncate' });

/** The default burst when a rate limit names none: five seconds' worth. */
export const DEFAULT_BURST_SECONDS = 5;

type Fail = (path: string, message: string) => void;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `privacy` (`{"ip": "drop" | "truncate" | "keep"}`); the default for what is absent or bad (reported). */
export function readPrivacyPolicy(raw: unknown, fail: Fail): PrivacyPolicy {
  if (raw === undefined) return DEFAULT_PRIVACY_POLICY;
  if (!isRecord(raw)) {
    fail('privacy', 'must be an object');
    return DEFAULT_PRIVACY_POLICY;
  }
  for (const key of Object.keys(raw)) if (key !== 'ip') fail(`privacy.${key}`, 'unknown key');
  const ip = raw['ip'];
  if (ip === undefined) return DEFAULT_PRIVACY_POLICY;
  if (typeof ip === 'string' && (IP_MODES as readonly string[]).includes(ip)) return { ip: ip as IpMode };
  fail('privacy.ip', `must be ${IP_MODES.map((m) => `"${m}"`).join(', ')}`);
  return DEFAULT_PRIVACY_POLICY;
}

/**
 * Reads `sources.<name>.rateLimit`: `{"eventsPerSecond": n, "burstSeconds"?: n}`, or `"off"` (this source is
 * not limited even when the configuration limits every write key). `undefined` when absent or bad (reported).
 */
export function readSourceRateLimit(raw: unknown, path: string, fail: Fail): SourceRateLimit | 'off' | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'off') return 'off';
  if (!isRecord(raw)) {
    fail(path, 'must be "off" or an object {"eventsPerSecond", "burstSeconds"?}');
    return undefined;
  }
  for (const key of Object.keys(raw)) if (key !== 'eventsPerSecond' && key !== 'burstSeconds') fail(`${path}.${key}`, 'unknown key');
  const positive = (key: string, fallback?: number): number | undefined => {
    const value = raw[key] ?? fallback;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= 1_000_000) return value;
    fail(`${path}.${key}`, 'must be an integer from 1 to 1000000');
    return undefined;
  };
  const eventsPerSecond = positive('eventsPerSecond');
  const burstSeconds = positive('burstSeconds', DEFAULT_BURST_SECONDS);
  return eventsPerSecond !== undefined && burstSeconds !== undefined ? { eventsPerSecond, burstSeconds } : undefined;
}
