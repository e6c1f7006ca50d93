/**
 * Builds Segment-spec events the way analytics.js shapes them: ids, timestamp, and the automatic
 * context (library, page, user agent, locale, timezone, campaign, traits, kin link).
 */
import type { EventType, JsonObject } from '@kin/core';
import { campaignFromUrl, pageContext } from './page-context.ts';
import type { PageEnvironment } from './sdk-ports.ts';
import { SDK_LIBRARY } from './sdk-version.ts';
import type { UserStore } from './user-store.ts';

/** One event as the SDK puts it on the wire (the browser-side subset of core's `TrackingEvent`). */
export interface SdkEvent {
  type: EventType;
  messageId: string;
  anonymousId: string;
  /** `null` for an anonymous visitor, as analytics.js sends it (an alias's `userId` is always set). */
  userId: string | null;
  timestamp: string;
  context: JsonObject;
  integrations: JsonObject;
  event?: string;
  name?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  groupId?: string;
  previousId?: string;
}

/**
 * The call-specific part of an event; a `userId` here (alias) wins over the stored one, and `context` (a
 * call's `options.context`, as analytics.js takes it) is merged over the automatic context.
 */
export type EventFields = Pick<SdkEvent, 'type'> &
  Partial<Pick<SdkEvent, 'userId' | 'event' | 'name' | 'properties' | 'traits' | 'groupId' | 'previousId' | 'context'>>;

/** What building an event reads. */
export interface EventBuilderDeps {
  user: Pick<UserStore, 'anonymousId' | 'id' | 'traits' | 'proof'>;
  page: PageEnvironment;
  now: () => number;
  newId: () => string;
  /** The session's `kin_link` click token, if the visit came from a tracked link. */
  link: () => string | undefined;
}

/** `context.page` of the current page, also used as the default properties of `page` calls. */
export function currentPage(page: PageEnvironment): JsonObject {
  return { ...pageContext(page.url(), page.title(), page.referrer()) };
}

/** Builds a complete event from `fields` and the current page and user. */
export function buildEvent(fields: EventFields, deps: EventBuilderDeps): SdkEvent {
  const { user, page } = deps;
  const context: JsonObject = {
    library: { ...SDK_LIBRARY },
    page: currentPage(page),
    userAgent: page.userAgent(),
    locale: page.locale(),
    timezone: page.timezone(),
  };
  const userAgentData = page.userAgentData();
  if (userAgentData) context['userAgentData'] = userAgentData;
  const campaign = campaignFromUrl(page.url());
  if (campaign) context['campaign'] = campaign;
  // As analytics.js does: later events carry what we know about the user, so a destination that sees
  // only track calls still has the traits.
  const traits = user.traits();
  if (fields.type !== 'identify' && Object.keys(traits).length > 0) context['traits'] = traits;
  const link = deps.link();
  if (link) context['kin'] = { link };
  // The identified user's proof (context.userHash / identityToken) rides on each of their events: the server
  // verifies every event that carries a userId, not only the identify call.
  Object.assign(context, user.proof(), fields.context);

  return {
    ...fields,
    messageId: deps.newId(),
    anonymousId: user.anonymousId(),
    userId: fields.userId ?? user.id() ?? null,
    timestamp: new Date(deps.now()).toISOString(),
    context,
    integrations: {},
  };
}
