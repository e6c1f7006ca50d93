/**
 * Link hits as they cross to the SQLite writer thread (ingest-thread.ts `submitHits`): columns, not one object
 * per hit. Why: structured clone writes every property name of every object and the receiving thread reads each
 * one back as a key to look up, so a batch of 1,000 hits cost both threads more than the fields themselves. Here
 * every text but the click id is written once per batch (`texts`: kinds, click times, token statuses, bot
 * reasons, kept addresses and user agents repeat from hit to hit), the click ids travel as one string, and each
 * hit is eight integers of one `Int32Array` (copied whole). The links and recipients hits share go once each.
 */
import { stringNumbers } from '../storage/analytics-store.ts';
import type { LinkRecord, LinkHitKind, TokenStatus } from '../storage/links-store.ts';
import type { MachineReason } from './link-bots.ts';
import type { LinkHit } from './link-events.ts';

/** A batch of hits on the wire (`encodeHits`, `decodeHits`). */
export interface HitWire {
  /** The click ids, joined by `\n` (a click id is a UUID: it holds no line break). */
  clickIds: string;
  links: LinkRecord[];
  recipients: Array<NonNullable<LinkHit['recipient']>>;
  texts: string[];
  /** Per hit, `FIELDS` integers: indexes into `links`, `recipients` and `texts`; -1 for a field the hit has not. */
  fields: Int32Array;
}

// The slots of a hit in `fields`.
const KIND = 0;
const AT = 1;
const TOKEN = 2;
const MACHINE = 3;
const IP = 4;
const AGENT = 5;
const LINK = 6;
const RECIPIENT = 7;
const FIELDS = 8;

/** The wire form of a batch of hits. */
export function encodeHits(hits: readonly LinkHit[]): HitWire {
  const texts = stringNumbers();
  const links = stringNumbers<LinkRecord>();
  const recipients = stringNumbers<NonNullable<LinkHit['recipient']>>();
  // -1 for a field the hit has not.
  const text = (value: string | undefined): number => (value === undefined ? -1 : texts.of(value));
  const ids = new Array<string>(hits.length);
  const f = new Int32Array(hits.length * FIELDS);
  for (let h = 0; h < hits.length; h++) {
    const hit = hits[h]!;
    const o = h * FIELDS;
    ids[h] = hit.clickId;
    f[o + KIND] = texts.of(hit.kind);
    f[o + AT] = texts.of(hit.at);
    f[o + TOKEN] = texts.of(hit.token);
    f[o + MACHINE] = text(hit.machine);
    f[o + IP] = text(hit.ip);
    f[o + AGENT] = text(hit.userAgent);
    f[o + LINK] = links.of(hit.link);
    f[o + RECIPIENT] = hit.recipient === undefined ? -1 : recipients.of(hit.recipient);
  }
  return { clickIds: ids.join('\n'), links: links.list, recipients: recipients.list, texts: texts.list, fields: f };
}

/** The hits of a wire batch, equal to those encoded (the links and recipients shared as they were). */
export function decodeHits(wire: HitWire): LinkHit[] {
  const { texts, fields: f } = wire;
  const n = f.length / FIELDS;
  const ids = n === 0 ? [] : wire.clickIds.split('\n');
  const hits = new Array<LinkHit>(n);
  for (let h = 0; h < n; h++) {
    const o = h * FIELDS;
    const hit: LinkHit = {
      clickId: ids[h]!,
      kind: texts[f[o + KIND]!] as LinkHitKind,
      link: wire.links[f[o + LINK]!]!,
      at: texts[f[o + AT]!]!,
      token: texts[f[o + TOKEN]!] as TokenStatus,
      machine: f[o + MACHINE]! < 0 ? undefined : (texts[f[o + MACHINE]!] as MachineReason),
    };
    if (f[o + RECIPIENT]! >= 0) hit.recipient = wire.recipients[f[o + RECIPIENT]!]!;
    if (f[o + IP]! >= 0) hit.ip = texts[f[o + IP]!]!;
    if (f[o + AGENT]! >= 0) hit.userAgent = texts[f[o + AGENT]!]!;
    hits[h] = hit;
  }
  return hits;
}
