/**
 * The sections of an identity policy file that hold more than numbers: `sources`, `traitSources`,
 * `sharedDevice`, `consent` and each identifier type's rules, each read and checked with the path of a bad
 * value. Apart from identity-policy.ts (defaults and the top-level parse) so each section reads on its own.
 */
import type { IdentifierTypePolicy, IdentityPolicy, SourceIdentityPolicy } from './identity-types.ts';
import { readSourceRateLimit } from './edge-policy.ts';
import { normalizeIdentifierType } from './identifier-normalize.ts';
import { checkKeys, isRecord, readInt, readRegion, readStrings, setOwn, type Fail } from './policy-values.ts';
import { formatFieldPath } from '../spec/field-path.ts';

/**
 * `sources.<name>`: identity verification per source (and its phone region and write-key rate limit). Why error messages never quote values: secrets
 * live here, and policy errors are printed at start.
 */
export function readSources(raw: unknown, fail: Fail): Record<string, SourceIdentityPolicy> {
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
export function readTraitSources(raw: unknown, fail: Fail): Record<string, string[]> {
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

/** `sharedDevice`: how many user ids a device may be seen with, and which types are devices (over `defaults`). */
export function readSharedDevice(raw: unknown, fail: Fail, defaults: IdentityPolicy['sharedDevice']): IdentityPolicy['sharedDevice'] {
  const result = { maxUserIds: defaults.maxUserIds, deviceTypes: [...defaults.deviceTypes] };
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

/** `consent`: how merges combine consent, and the category anonymous linking needs. */
export function readConsent(raw: unknown, fail: Fail): IdentityPolicy['consent'] {
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

/** One identifier type's rules over `base`. */
export function readTypePolicy(raw: unknown, base: IdentifierTypePolicy, path: string, fail: Fail): IdentifierTypePolicy {
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
