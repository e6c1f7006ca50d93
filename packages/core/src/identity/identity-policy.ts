/**
 * The identity policy: per-type limits and priorities, blocked values, caps. `DEFAULT_POLICY` is what
 * Kin runs with when no policy file is given; `parsePolicy` validates a partial policy file over it.
 * The sections of the file are read in policy-sections.ts, with the small readers of policy-values.ts.
 */
import type { IdentifierTypePolicy, IdentityPolicy } from './identity-types.ts';
import { SOCIAL_HANDLE_TYPES, normalizeIdentifierType } from './identifier-normalize.ts';
import { DEFAULT_PRIVACY_POLICY, readPrivacyPolicy } from './edge-policy.ts';
import { DEFAULT_MATCH_POLICY, readMatchPolicy } from './match-policy.ts';
import { formatFieldPath } from '../spec/field-path.ts';
import { readConsent, readSharedDevice, readSources, readTraitSources, readTypePolicy } from './policy-sections.ts';
import { checkKeys, deepFreeze, isRecord, readInt, readRegion, readStrings, setOwn } from './policy-values.ts';

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
  const sharedDevice = readSharedDevice(json['sharedDevice'], fail, DEFAULT_POLICY.sharedDevice);
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
