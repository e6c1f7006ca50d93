/**
 * The identity policy: per-type limits and priorities, blocked values, caps. `DEFAULT_POLICY` is what
 * Kin runs with when no policy file is given; `parsePolicy` validates a partial policy file over it.
 */
import type { IdentifierTypePolicy, IdentityPolicy, SourceIdentityPolicy } from './identity-types.ts';
import { SOCIAL_HANDLE_TYPES, normalizeIdentifierType } from './identifier-normalize.ts';
import { DEFAULT_PRIVACY_POLICY, readPrivacyPolicy, readSourceRateLimit } from './edge-policy.ts';
import { DEFAULT_MATCH_POLICY, readMatchPolicy } from './match-policy.ts';
import { formatFieldPath } from '../spec/field-path.ts';

const DEVICE_TYPES = [
  'ios.id',
  'android.id',
  'device_id',
  'ios.idfa',
  'android.idfa',
  'advertising_id',
  'ios.push_token',
  'android.push_token',
  'push_token',
];

/** Values that clients send when they have no real identifier; never linked. */
const BLOCKED_EXACT = [
  '',
  'null',
  'undefined',
  'nil',
  'none',
  'anonymous',
  'guest',
  'unknown',
  '0',
  '-1',
  'NaN',
  '[object Object]',
  'true',
  'false',
  'test@test.com',
];

/**
 * The built-in policy (each default and the reason for it: docs/identity.md). One user id per profile:
 * that is what keeps two people apart. Person-level identifiers have small limits with no window (a
 * person has a few emails and phones for years). Anonymous and device ids churn (cookies expire, apps are
 * reinstalled), so their limits are high and count only what was seen within a window; rule R6a makes
 * their limits refuse only the event's newest cookie or device id, never a person-level identifier.
 */
export const DEFAULT_POLICY: IdentityPolicy = deepFreeze({
  types: {
    user_id: { limit: 1, priority: 1 },
    email: { limit: 5, priority: 2 },
    phone: { limit: 5, priority: 3 },
    crm_id: { limit: 5, priority: 4 },
    ...Object.fromEntries(SOCIAL_HANDLE_TYPES.map((type) => [type, { limit: 5, priority: 4 }])),
    ...Object.fromEntries(DEVICE_TYPES.map((type) => [type, { limit: 20, windowDays: 90, priority: 5 }])),
    anonymous_id: { limit: 100, windowDays: 30, priority: 6 },
  },
  defaultType: { limit: 5, priority: 4 },
  blocked: { exact: BLOCKED_EXACT, patterns: ['^[0-]*$', '^\\s*$'] },
  traitIdentifiers: {},
  traitSources: {},
  caps: { maxMerges: 100, maxIdentifiers: 1000 },
  defaultPhoneRegion: 'US',
  sources: {},
  sharedDevice: { maxUserIds: 3, deviceTypes: ['anonymous_id', ...DEVICE_TYPES] },
  consent: { onMerge: 'most_restrictive' },
  privacy: DEFAULT_PRIVACY_POLICY,
  linkClick: { maxBrowsers: 3, maxAgeDays: 7 },
  matching: DEFAULT_MATCH_POLICY,
});

/** The phone region the policy gives a source name (`sources.<name>.defaultPhoneRegion`), if any. */
export function sourcePhoneRegion(policy: IdentityPolicy, source: string): string | undefined {
  return Object.hasOwn(policy.sources, source) ? policy.sources[source]?.defaultPhoneRegion : undefined;
}

/** The rules of one identifier type (`defaultType` when the type is not listed). */
export function typePolicy(policy: IdentityPolicy, type: string): IdentifierTypePolicy {
  return Object.hasOwn(policy.types, type) ? (policy.types[type] ?? policy.defaultType) : policy.defaultType;
}

interface CompiledBlocklist {
  exact: Set<string>;
  patterns: RegExp[];
}

// Why a WeakMap: policies are immutable values created once at start; compiling per call would be waste.
const compiled = new WeakMap<IdentityPolicy, CompiledBlocklist>();

/** True when the value is blocked by the policy (case-insensitive exact match or regex). */
export function isBlocked(policy: IdentityPolicy, value: string): boolean {
  let list = compiled.get(policy);
  if (!list) {
    list = {
      exact: new Set(policy.blocked.exact.map((v) => v.toLowerCase())),
      patterns: policy.blocked.patterns.map((p) => new RegExp(p, 'i')),
    };
    compiled.set(policy, list);
  }
  return list.exact.has(value.toLowerCase()) || list.patterns.some((re) => re.test(value));
}

/** One problem of a policy file, with the path of the bad value. */
export interface PolicyError {
  path: string;
  message: string;
}

/** A validated policy or every problem found. */
export type PolicyParse = { ok: true; policy: IdentityPolicy } | { ok: false; errors: PolicyError[] };

const TOP_KEYS = [
  'types',
  'defaultType',
  'blocked',
  'traitIdentifiers',
  'traitSources',
  'caps',
  'defaultPhoneRegion',
  'sources',
  'consent',
  'sharedDevice',
  'privacy',
  'linkClick',
  'matching',
];

/**
 * Validates a partial policy file and merges it over `DEFAULT_POLICY`. Per-type rules merge field by
 * field (a new type starts from `defaultType`; `windowDays: null` removes a window). Blocked values and
 * patterns are added to the defaults, never replace them: dropping `'null'` from the blocklist by
 * accident would merge every profile whose client sent the string "null".
 */
export function parsePolicy(json: unknown): PolicyParse {
  const errors: PolicyError[] = [];
  const fail = (path: string, message: string): void => void errors.push({ path, message });
  if (!isRecord(json)) return { ok: false, errors: [{ path: '', message: 'policy must be an object' }] };
  for (const key of Object.keys(json)) if (!TOP_KEYS.includes(key)) fail(key, 'unknown key');

  const defaultType = readTypePolicy(json['defaultType'], DEFAULT_POLICY.defaultType, 'defaultType', fail);
  const types: Record<string, IdentifierTypePolicy> = { ...DEFAULT_POLICY.types };
  const rawTypes = json['types'];
  if (rawTypes !== undefined) {
    if (!isRecord(rawTypes)) fail('types', 'must be an object');
    else {
      for (const [type, rule] of Object.entries(rawTypes)) {
        if (normalizeIdentifierType(type) !== type) {
          fail(`types.${type}`, 'type names are lower-case and match /^[a-z0-9_.-]{1,64}$/');
          continue;
        }
        setOwn(
          types,
          type,
          readTypePolicy(rule, Object.hasOwn(types, type) ? (types[type] ?? defaultType) : defaultType, `types.${type}`, fail),
        );
      }
    }
  }

  const blocked = { exact: [...DEFAULT_POLICY.blocked.exact], patterns: [...DEFAULT_POLICY.blocked.patterns] };
  const rawBlocked = json['blocked'];
  if (rawBlocked !== undefined) {
    if (!isRecord(rawBlocked)) fail('blocked', 'must be an object');
    else {
      checkKeys(rawBlocked, ['exact', 'patterns'], 'blocked', fail);
      for (const value of readStrings(rawBlocked['exact'], 'blocked.exact', fail)) blocked.exact.push(value);
      readStrings(rawBlocked['patterns'], 'blocked.patterns', fail).forEach((pattern, i) => {
        try {
          new RegExp(pattern, 'i');
          blocked.patterns.push(pattern);
        } catch {
          fail(formatFieldPath(['blocked', 'patterns', i]), 'not a valid regular expression');
        }
      });
    }
  }

  const traitIdentifiers: Record<string, string> = { ...DEFAULT_POLICY.traitIdentifiers };
  const rawTraits = json['traitIdentifiers'];
  if (rawTraits !== undefined) {
    if (!isRecord(rawTraits)) fail('traitIdentifiers', 'must be an object');
    else {
      for (const [key, type] of Object.entries(rawTraits)) {
        if (typeof type !== 'string' || normalizeIdentifierType(type) !== type) {
          fail(`traitIdentifiers.${key}`, 'must be a lower-case identifier type matching /^[a-z0-9_.-]{1,64}$/');
        } else setOwn(traitIdentifiers, key, type);
      }
    }
  }

  const traitSources = readTraitSources(json['traitSources'], fail);

  const caps = { ...DEFAULT_POLICY.caps };
  const rawCaps = json['caps'];
  if (rawCaps !== undefined) {
    if (!isRecord(rawCaps)) fail('caps', 'must be an object');
    else {
      checkKeys(rawCaps, ['maxMerges', 'maxIdentifiers'], 'caps', fail);
      caps.maxMerges = readInt(rawCaps['maxMerges'], caps.maxMerges, 'caps.maxMerges', fail);
      caps.maxIdentifiers = readInt(rawCaps['maxIdentifiers'], caps.maxIdentifiers, 'caps.maxIdentifiers', fail);
    }
  }

  const defaultPhoneRegion = readRegion(json['defaultPhoneRegion'], 'defaultPhoneRegion', fail) ?? DEFAULT_POLICY.defaultPhoneRegion;

  const sources = readSources(json['sources'], fail);
  const sharedDevice = readSharedDevice(json['sharedDevice'], fail);
  const consent = readConsent(json['consent'], fail);
  const privacy = readPrivacyPolicy(json['privacy'], fail);
  const linkClick = { ...DEFAULT_POLICY.linkClick };
  const rawLink = json['linkClick'];
  if (rawLink !== undefined) {
    if (!isRecord(rawLink)) fail('linkClick', 'must be an object');
    else {
      checkKeys(rawLink, ['maxBrowsers', 'maxAgeDays'], 'linkClick', fail);
      linkClick.maxBrowsers = readInt(rawLink['maxBrowsers'], linkClick.maxBrowsers, 'linkClick.maxBrowsers', fail);
      linkClick.maxAgeDays = readInt(rawLink['maxAgeDays'], linkClick.maxAgeDays, 'linkClick.maxAgeDays', fail);
    }
  }

  const matching = readMatchPolicy(json['matching'], fail);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    policy: deepFreeze({
      types,
      defaultType,
      blocked,
      traitIdentifiers,
      traitSources,
      caps,
      defaultPhoneRegion,
      sources,
      sharedDevice,
      consent,
      privacy,
      linkClick,
      matching,
    }),
  };
}

/**
 * `sources.<name>`: identity verification per source (and its phone region and write-key rate limit). Why error messages never quote values: secrets
 * live here, and policy errors are printed at start.
 */
function readSources(raw: unknown, fail: Fail): Record<string, SourceIdentityPolicy> {
  const sources: Record<string, SourceIdentityPolicy> = {};
  if (raw === undefined) return sources;
  if (!isRecord(raw)) {
    fail('sources', 'must be an object keyed by source name');
    return sources;
  }
  for (const [name, rule] of Object.entries(raw)) {
    const path = `sources.${name}`;
    if (!isRecord(rule)) {
      fail(path, 'must be an object');
      continue;
    }
    checkKeys(
      rule,
      ['identityVerification', 'hmacSecret', 'jwtSecret', 'jwksFile', 'jwksUrl', 'issuer', 'audience', 'defaultPhoneRegion', 'rateLimit'],
      path,
      fail,
    );
    const mode = rule['identityVerification'] ?? 'off';
    const region = readRegion(rule['defaultPhoneRegion'], `${path}.defaultPhoneRegion`, fail);
    const rateLimit = readSourceRateLimit(rule['rateLimit'], `${path}.rateLimit`, fail);
    const common = { ...(region === undefined ? {} : { defaultPhoneRegion: region }), ...(rateLimit === undefined ? {} : { rateLimit }) };
    const secret = (key: string): string | undefined => {
      const value = rule[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value.length < 16) {
        fail(`${path}.${key}`, 'must be a string of at least 16 characters');
        return undefined;
      }
      return value;
    };
    const text = (key: string): string | undefined => {
      const value = rule[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value === '') fail(`${path}.${key}`, 'must be a non-empty string');
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    if (mode === 'off') setOwn(sources, name, { identityVerification: 'off', ...common });
    else if (mode === 'hmac') {
      const hmacSecret = secret('hmacSecret');
      if (rule['hmacSecret'] === undefined) fail(`${path}.hmacSecret`, 'is required with identityVerification "hmac"');
      if (hmacSecret !== undefined) setOwn(sources, name, { identityVerification: 'hmac', hmacSecret, ...common });
    } else if (mode === 'jwt') {
      const jwtSecret = secret('jwtSecret');
      const jwksFile = text('jwksFile');
      const jwksUrl = text('jwksUrl');
      if (jwksUrl !== undefined && !/^https?:\/\//.test(jwksUrl)) fail(`${path}.jwksUrl`, 'must be an http(s) URL');
      const keySources = ['jwtSecret', 'jwksFile', 'jwksUrl'].filter((key) => rule[key] !== undefined).length;
      if (keySources !== 1) fail(path, 'identityVerification "jwt" needs exactly one of jwtSecret, jwksFile, jwksUrl');
      const issuer = text('issuer');
      const audience = text('audience');
      setOwn(sources, name, {
        identityVerification: 'jwt',
        ...common,
        ...(jwtSecret !== undefined ? { jwtSecret } : {}),
        ...(jwksFile !== undefined ? { jwksFile } : {}),
        ...(jwksUrl !== undefined ? { jwksUrl } : {}),
        ...(issuer !== undefined ? { issuer } : {}),
        ...(audience !== undefined ? { audience } : {}),
      });
    } else fail(`${path}.identityVerification`, 'must be "off", "hmac" or "jwt"');
  }
  return sources;
}

/** `traitSources.<trait key>`: a non-empty list of distinct source names, most trusted first, `"*"` at most once. */
function readTraitSources(raw: unknown, fail: Fail): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (raw === undefined) return result;
  if (!isRecord(raw)) {
    fail('traitSources', 'must be an object keyed by trait name');
    return result;
  }
  for (const [key, list] of Object.entries(raw)) {
    const path = formatFieldPath(['traitSources', key]);
    if (!Array.isArray(list) || list.length === 0) {
      fail(path, 'must be a non-empty array of source names, most trusted first ("*" for every other source)');
      continue;
    }
    const names: string[] = [];
    list.forEach((name: unknown, i) => {
      if (typeof name !== 'string' || name.trim() === '') fail(formatFieldPath([i], path), 'must be a source name');
      else if (names.includes(name)) fail(formatFieldPath([i], path), `"${name}" is listed twice`);
      else names.push(name);
    });
    if (names.length === list.length) setOwn(result, key, names);
  }
  return result;
}

function readSharedDevice(raw: unknown, fail: Fail): IdentityPolicy['sharedDevice'] {
  const result = { maxUserIds: DEFAULT_POLICY.sharedDevice.maxUserIds, deviceTypes: [...DEFAULT_POLICY.sharedDevice.deviceTypes] };
  if (raw === undefined) return result;
  if (!isRecord(raw)) {
    fail('sharedDevice', 'must be an object');
    return result;
  }
  checkKeys(raw, ['maxUserIds', 'deviceTypes'], 'sharedDevice', fail);
  result.maxUserIds = readInt(raw['maxUserIds'], result.maxUserIds, 'sharedDevice.maxUserIds', fail);
  if (raw['deviceTypes'] !== undefined) {
    const types = readStrings(raw['deviceTypes'], 'sharedDevice.deviceTypes', fail);
    types.forEach((type, i) => {
      if (normalizeIdentifierType(type) !== type)
        fail(formatFieldPath(['sharedDevice', 'deviceTypes', i]), 'must be a lower-case identifier type');
    });
    result.deviceTypes = types;
  }
  return result;
}

function readConsent(raw: unknown, fail: Fail): IdentityPolicy['consent'] {
  const result: IdentityPolicy['consent'] = { onMerge: 'most_restrictive' };
  if (raw === undefined) return result;
  if (!isRecord(raw)) {
    fail('consent', 'must be an object');
    return result;
  }
  checkKeys(raw, ['onMerge', 'requiredForAnonymousLinking'], 'consent', fail);
  const onMerge = raw['onMerge'];
  if (onMerge === 'most_restrictive' || onMerge === 'latest') result.onMerge = onMerge;
  else if (onMerge !== undefined) fail('consent.onMerge', 'must be "most_restrictive" or "latest"');
  const required = raw['requiredForAnonymousLinking'];
  if (typeof required === 'string' && required !== '') result.requiredForAnonymousLinking = required;
  else if (required !== undefined) fail('consent.requiredForAnonymousLinking', 'must be a consent category name');
  return result;
}

type Fail = (path: string, message: string) => void;

function readTypePolicy(raw: unknown, base: IdentifierTypePolicy, path: string, fail: Fail): IdentifierTypePolicy {
  if (raw === undefined) return base;
  if (!isRecord(raw)) {
    fail(path, 'must be an object');
    return base;
  }
  checkKeys(raw, ['limit', 'priority', 'windowDays'], path, fail);
  const rule: IdentifierTypePolicy = {
    limit: readInt(raw['limit'], base.limit, `${path}.limit`, fail),
    priority: readInt(raw['priority'], base.priority, `${path}.priority`, fail),
  };
  const window = raw['windowDays'] === undefined ? base.windowDays : raw['windowDays'];
  if (window !== null && window !== undefined) rule.windowDays = readInt(window, 1, `${path}.windowDays`, fail);
  return rule;
}

/** An ISO 3166 alpha-2 region, upper-cased; `undefined` when absent or bad (reported). */
function readRegion(raw: unknown, path: string, fail: Fail): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && /^[A-Za-z]{2}$/.test(raw)) return raw.toUpperCase();
  fail(path, 'must be an ISO 3166 alpha-2 country code such as "US"');
  return undefined;
}

function readInt(raw: unknown, fallback: number, path: string, fail: Fail): number {
  if (raw === undefined) return fallback;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1) return raw;
  fail(path, 'must be an integer ≥ 1');
  return fallback;
}

function readStrings(raw: unknown, path: string, fail: Fail): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    fail(path, 'must be an array of strings');
    return [];
  }
  const strings: string[] = [];
  raw.forEach((value: unknown, i) => {
    if (typeof value === 'string') strings.push(value);
    else fail(formatFieldPath([i], path), 'must be a string');
  });
  return strings;
}

function checkKeys(raw: Record<string, unknown>, allowed: string[], path: string, fail: Fail): void {
  for (const key of Object.keys(raw)) if (!allowed.includes(key)) fail(`${path}.${key}`, 'unknown key');
}

/** Why: a policy key named `__proto__` must become a key, not replace the prototype. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
