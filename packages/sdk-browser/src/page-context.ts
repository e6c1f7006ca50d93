/**
 * Turns the page the SDK runs on into `context.page`, `context.campaign` and the `kin_link` token.
 * Pure functions of a URL string, so they are table-tested without a DOM.
 */

/** `context.page` as analytics.js sends it. */
export interface PageContext {
  path: string;
  referrer: string;
  search: string;
  title: string;
  url: string;
}

/** `context.campaign`, named as analytics.js names it (`utm_campaign` becomes `name`). */
export type CampaignContext = Partial<Record<'source' | 'medium' | 'name' | 'term' | 'content', string>>;

const UTM_KEYS: Record<string, keyof CampaignContext> = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'name',
  utm_term: 'term',
  utm_content: 'content',
};

/** The query parameter that carries a tracked-link click token from email and social links. */
export const KIN_LINK_PARAM = 'kin_link';

/** Parses `href`, or returns undefined for something that is not an absolute URL. */
function parseUrl(href: string): URL | undefined {
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}

/** `context.page` for `href`; the url drops the fragment, as analytics.js does. */
export function pageContext(href: string, title: string, referrer: string): PageContext {
  const url = parseUrl(href);
  if (!url) return { path: '', referrer, search: '', title, url: href };
  url.hash = '';
  return { path: url.pathname, referrer, search: url.search, title, url: url.href };
}

/** UTM parameters of `href` as `context.campaign`; undefined when there are none. */
export function campaignFromUrl(href: string): CampaignContext | undefined {
  const url = parseUrl(href);
  if (!url) return undefined;
  const campaign: CampaignContext = {};
  let found = false;
  for (const [param, key] of Object.entries(UTM_KEYS)) {
    const value = url.searchParams.get(param);
    if (value) {
      campaign[key] = value;
      found = true;
    }
  }
  return found ? campaign : undefined;
}

/** The `kin_link` click token of `href`, if any. */
export function kinLinkFromUrl(href: string): string | undefined {
  return parseUrl(href)?.searchParams.get(KIN_LINK_PARAM) || undefined;
}
