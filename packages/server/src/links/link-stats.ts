/**
 * A link's stats: the hit counts (always read fresh) and its conversions (reused for a short while). Used by
 * the link service inline and by the admin read thread (http/admin-reads.ts), where the embedded server runs
 * it so that counting a link's clicks never holds the HTTP thread that answers its redirects.
 */
import type { LinkStats } from '@kin/core/api/index.ts';
import type { Clock } from '../ports/clock.ts';
import type { LinkRecord, LinksStore } from '../storage/links-store.ts';

/** Conversions: an `Order Completed` by the clicked profile within this many days of its first click. */
export const CONVERSION_WINDOW_DAYS = 7;
/** Conversions are counted over at most this many clicked profiles per link (a bounded read). */
export const CONVERSION_PROFILES = 1000;
const CONVERSION_EVENT = 'Order Completed';
/** How long a link's conversion count is reused (the hit counts are always read fresh). */
const CONVERSIONS_TTL_MS = 2_000;

/** Creates the reader; it keeps each link's conversion count for `CONVERSIONS_TTL_MS`. */
export function createLinkStatsReader(deps: { links: LinksStore; clock: Clock }): (link: LinkRecord) => Promise<LinkStats> {
  const { links, clock } = deps;
  const conversionsOf = new Map<string, { at: number; count: number }>();

  async function countConversions(linkId: string): Promise<number> {
    return links.countConversions(linkId, { event: CONVERSION_EVENT, windowDays: CONVERSION_WINDOW_DAYS, limit: CONVERSION_PROFILES });
  }

  return async (link) => {
    const counts = await links.countHits(link.id);
    // Why a short cache: conversions read an index range per clicked profile (links-conversions.ts); a dashboard
    // polling the stats every second must not turn into that read per clicker per second beside the redirects.
    const now = clock.now().getTime();
    const cached = conversionsOf.get(link.id);
    const conversions = cached && now - cached.at < CONVERSIONS_TTL_MS ? cached.count : await countConversions(link.id);
    if (!cached || now - cached.at >= CONVERSIONS_TTL_MS) {
      if (conversionsOf.size >= 1000) conversionsOf.clear();
      conversionsOf.set(link.id, { at: now, count: conversions });
    }
    return { linkId: link.id, ...counts, conversions, conversionWindowDays: CONVERSION_WINDOW_DAYS };
  };
}
