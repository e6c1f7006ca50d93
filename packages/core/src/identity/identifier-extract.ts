/**
 * Finds the person identifiers of one validated event, normalised, with invalid and blocked values set
 * aside as refusals. Where they come from:
 * - `userId` → user_id, `anonymousId` → anonymous_id;
 * - `email` / `phone` from traits (identify only: group traits describe the company), `context.traits`
 *   and `properties`;
 * - `context.device.id` → ios.id / android.id / device_id by `context.device.type`;
 * - `context.device.advertisingId` only when `adTrackingEnabled === true` → ios.idfa / android.idfa /
 *   advertising_id; `context.device.token` → ios.push_token / android.push_token / push_token;
 * - every `context.externalIds[{ id, type }]`, and the trait keys listed in `policy.traitIdentifiers`.
 * `groupId` is never a person identifier. For alias, `previousId` is kept aside: its type is decided by
 * the resolver, which can see whether it is a known user id.
 */
import type { EventFacts, JsonObject, TrackingEvent } from '../spec/event-types.ts';
import type { IdentifierNormalizer, NormalizeContext } from './identifier-normalize.ts';
import { normalizeIdentifierType } from './identifier-normalize.ts';
import { compareStrings, compareTypeValue, identifierKey, sortIdentifiers } from './identifier-order.ts';
import { isBlocked } from './identity-policy.ts';
import type { Identifier, IdentityPolicy, Refusal } from './identity-types.ts';
import { sortInPlace } from './stable-sort.ts';

/** An event with its normalised identifiers, ready for `snapshotKeys` and `resolve`. */
export interface PreparedEvent {
  event: EventFacts;
  /** Valid, unblocked identifiers, de-duplicated, sorted by priority, type, value. */
  identifiers: Identifier[];
  /** Invalid or blocked values found on the event. */
  refused: Refusal[];
  /** Alias only: the normalised previous id, typed later by the resolver. */
  previousId?: string;
  /**
   * Identify only: the identifier each identifier-valued trait (`email`, `phone`, the policy's
   * `traitIdentifiers`) stands for, or `null` when its value is invalid or blocked. The resolver keeps
   * such a trait only when it did not refuse that identifier (R8).
   */
  traitIds?: Record<string, Identifier | null>;
  /** The name of the source that sent the event, when the policy ranks trait sources (R8). */
  sourceName?: string;
  /** The tracked-link click the event names (`context.kin.link`, kept by the browser SDK from `kin_link`), for R14. */
  linkClick?: string;
}

/** What a click id looks like (a UUID or a similar token); anything else in `context.kin.link` is ignored. */
const CLICK_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The click id an event names in `context.kin.link`, if it is one. */
export function linkClickOf(event: TrackingEvent): string | undefined {
  const link = object(event.context?.['kin'])?.['link'];
  return typeof link === 'string' && CLICK_ID.test(link) ? link : undefined;
}

/** The type recorded on a refusal of an alias `previousId` (its real type is never decided). */
export const PREVIOUS_ID_TYPE = 'previous_id';

interface Candidate {
  type: string;
  raw: unknown;
}

/** Options of `prepareEvent`. */
export interface PrepareOptions {
  /**
   * Identifier types the event could not prove (identity verification failed or was missing): they are
   * refused with reason `unverified` and `reason` as the detail. An unverified `user_id` also drops an
   * alias `previousId`: an alias is a claim about the user.
   */
  unverified?: { types: string[]; reason: string };
  /** Region of national phone numbers on this event (the source's `defaultPhoneRegion`); else the policy's. */
  phoneRegion?: string;
}

/**
 * One candidate's normalised value, or `undefined` (recorded in `refused` when invalid or blocked). Why a
 * module function, not a closure in `prepareEvent`: it runs for every event on the HTTP thread, and a closure
 * per event (renamed by tsx with `Object.defineProperty` each time) cost more than the work.
 */
function accept(
  candidate: Candidate,
  policy: IdentityPolicy,
  normalize: IdentifierNormalizer,
  refused: Map<string, Refusal>,
  context: NormalizeContext | undefined,
): string | undefined {
  if (candidate.raw === undefined || candidate.raw === null) return undefined;
  const type = normalizeIdentifierType(candidate.type);
  const value = type === undefined ? undefined : normalize(type, candidate.raw, context);
  if (type === undefined || value === undefined) {
    const identifier = { type: type ?? candidate.type, value: display(candidate.raw) };
    refused.set(identifierKey(identifier), { identifier, reason: 'invalid', detail: `not a valid ${identifier.type}` });
    return undefined;
  }
  if (isBlocked(policy, value)) {
    const identifier = { type, value };
    refused.set(identifierKey(identifier), { identifier, reason: 'blocked', detail: `"${value}" is on the blocklist` });
    return undefined;
  }
  return value;
}

function refuseUnverified(refused: Map<string, Refusal>, identifier: Identifier, options: PrepareOptions): void {
  refused.set(identifierKey(identifier), {
    identifier,
    reason: 'unverified',
    detail: options.unverified?.reason ?? 'identity not verified',
  });
}

/** Extracts, normalises and filters the identifiers of one event. */
export function prepareEvent(
  event: TrackingEvent,
  policy: IdentityPolicy,
  normalize: IdentifierNormalizer,
  options: PrepareOptions = {},
): PreparedEvent {
  const identifiers: Identifier[] = [];
  const refused = new Map<string, Refusal>();
  const unverified = options.unverified ? new Set(options.unverified.types) : undefined;
  const context = options.phoneRegion === undefined ? undefined : { phoneRegion: options.phoneRegion };
  for (const candidate of candidates(event, policy)) {
    const value = accept(candidate, policy, normalize, refused, context);
    if (value === undefined) continue;
    const identifier = { type: normalizeIdentifierType(candidate.type) ?? candidate.type, value };
    if (unverified?.has(identifier.type)) refuseUnverified(refused, identifier, options);
    else identifiers.push(identifier);
  }
  let previousId: string | undefined;
  if (event.type === 'alias' && event.previousId !== undefined && unverified?.has('user_id')) {
    refuseUnverified(refused, { type: PREVIOUS_ID_TYPE, value: event.previousId }, options);
  } else if (event.type === 'alias' && event.previousId !== undefined) {
    const value = normalize('user_id', event.previousId);
    if (value === undefined) {
      const identifier = { type: PREVIOUS_ID_TYPE, value: event.previousId };
      refused.set(identifierKey(identifier), { identifier, reason: 'invalid', detail: 'not a valid previous id' });
    } else if (isBlocked(policy, value)) {
      const identifier = { type: PREVIOUS_ID_TYPE, value };
      refused.set(identifierKey(identifier), { identifier, reason: 'blocked', detail: `"${value}" is on the blocklist` });
    } else previousId = value;
  }

  const traitIds = event.type === 'identify' && event.traits ? identifierTraits(event.traits, policy, normalize) : undefined;
  const linkClick = event.context === undefined ? undefined : linkClickOf(event);
  const refusals = sortInPlace([...refused.values()], (a, b) => compareTypeValue(a.identifier, b.identifier));
  return {
    event,
    identifiers: sortIdentifiers(policy, identifiers),
    refused: refusals,
    ...(previousId === undefined ? {} : { previousId }),
    ...(traitIds === undefined ? {} : { traitIds }),
    ...(linkClick === undefined ? {} : { linkClick }),
  };
}

/** The identifier-valued traits of an identify (see `PreparedEvent.traitIds`), or undefined when it has none. */
function identifierTraits(
  traits: JsonObject,
  policy: IdentityPolicy,
  normalize: IdentifierNormalizer,
): Record<string, Identifier | null> | undefined {
  let result = identifierTrait(undefined, traits, 'email', 'email', policy, normalize);
  result = identifierTrait(result, traits, 'phone', 'phone', policy, normalize);
  for (const [key, type] of Object.entries(policy.traitIdentifiers)) result = identifierTrait(result, traits, key, type, policy, normalize);
  return result;
}

/**
 * Adds trait `key` as an identifier of `type` to `result` (made on the first one) when the event has it.
 * Why a module function and not a closure: a named arrow is named again (`__name`, a defineProperty) on
 * every call of its enclosing function when run through tsx, which keeps names.
 */
function identifierTrait(
  result: Record<string, Identifier | null> | undefined,
  traits: JsonObject,
  key: string,
  type: string,
  policy: IdentityPolicy,
  normalize: IdentifierNormalizer,
): Record<string, Identifier | null> | undefined {
  const raw = Object.hasOwn(traits, key) ? traits[key] : undefined;
  if (raw === undefined || raw === null) return result;
  const value = normalize(type, raw);
  const out = result ?? {};
  Object.defineProperty(out, key, {
    value: value === undefined || isBlocked(policy, value) ? null : { type, value },
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return out;
}

function candidates(event: TrackingEvent, policy: IdentityPolicy): Candidate[] {
  const list: Candidate[] = [
    { type: 'user_id', raw: event.userId },
    { type: 'anonymous_id', raw: event.anonymousId },
  ];
  const context = event.context ?? {};
  const sources: JsonObject[] = [];
  if (event.type === 'identify' && event.traits) sources.push(event.traits);
  const contextTraits = object(context['traits']);
  if (contextTraits) sources.push(contextTraits);
  if (event.properties) sources.push(event.properties);
  for (const source of sources) {
    list.push({ type: 'email', raw: source['email'] }, { type: 'phone', raw: source['phone'] });
  }
  const traitSources = sources.filter((source) => source !== event.properties);
  for (const key of sortInPlace(Object.keys(policy.traitIdentifiers), compareStrings)) {
    const type = policy.traitIdentifiers[key];
    if (type === undefined) continue;
    for (const source of traitSources) if (Object.hasOwn(source, key)) list.push({ type, raw: source[key] });
  }

  const device = object(context['device']);
  if (device) {
    const platform = typeof device['type'] === 'string' ? device['type'].trim().toLowerCase() : '';
    const prefix = platform === 'ios' || platform === 'android' ? `${platform}.` : undefined;
    list.push({ type: prefix ? `${prefix}id` : 'device_id', raw: device['id'] });
    if (device['adTrackingEnabled'] === true) {
      list.push({ type: prefix ? `${prefix}idfa` : 'advertising_id', raw: device['advertisingId'] });
    }
    list.push({ type: prefix ? `${prefix}push_token` : 'push_token', raw: device['token'] });
  }

  const externalIds = context['externalIds'];
  if (Array.isArray(externalIds)) {
    for (const entry of externalIds as unknown[]) {
      const external = object(entry);
      if (external && typeof external['type'] === 'string') list.push({ type: external['type'], raw: external['id'] });
    }
  }
  return list;
}

/**
 * The consent an event states: Segment's `context.consent.categoryPreferences` ({ category: boolean }),
 * or `undefined` when it states none. Non-boolean values are ignored.
 */
export function readConsent(event: EventFacts): Record<string, boolean> | undefined {
  const consent = object(object(event.context?.['consent'])?.['categoryPreferences']);
  if (!consent) return undefined;
  const categories: Record<string, boolean> = {};
  for (const key of sortInPlace(Object.keys(consent), compareStrings)) {
    const value = consent[key];
    if (typeof value === 'boolean') Object.defineProperty(categories, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return Object.keys(categories).length > 0 ? categories : undefined;
}

function object(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** A short printable form of a refused raw value. */
function display(raw: unknown): string {
  if (typeof raw === 'string') return raw.slice(0, 200);
  try {
    return (JSON.stringify(raw) ?? String(raw)).slice(0, 200);
  } catch {
    return String(raw).slice(0, 200);
  }
}
