/**
 * The Journeys page's tables as plain rows (what the page shows and what its CSV buttons export): the funnel
 * with and without stitching, attribution per model with the difference stitching makes, a conversion's touches.
 */
import type { AttributionModel, AttributionResponse, ConversionExplanation, FunnelResponse, PathsResponse } from '@kin/core/api/index.ts';
import { formatPercent } from './ui/states.tsx';

/** A table: a header row and body rows of text. */
export interface Table {
  header: string[];
  rows: string[][];
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

/** Funnel steps, stitched beside unstitched. */
export function funnelTable(stitched: FunnelResponse, unstitched: FunnelResponse): Table {
  return {
    header: ['step', 'event', 'stitched', 'stitched conversion', 'unstitched', 'unstitched conversion', 'median time (s)'],
    rows: stitched.steps.map((s, i) => {
      const u = unstitched.steps[i];
      return [
        String(i + 1),
        s.event,
        String(s.count),
        formatPercent(s.conversionFromStart),
        String(u?.count ?? 0),
        formatPercent(u?.conversionFromStart ?? 0),
        s.timeToConvertSeconds.p50 === null ? '' : num(s.timeToConvertSeconds.p50),
      ];
    }),
  };
}

/** One row per model and value: conversions and revenue with stitching, without, and the difference. */
export function attributionTable(answer: AttributionResponse): Table {
  const rows: string[][] = [];
  const models = Object.keys(answer.results.profile ?? {}) as AttributionModel[];
  for (const model of models) {
    const withRows = answer.results.profile?.[model] ?? [];
    const withoutRows = answer.results.anonymous_id?.[model] ?? [];
    const values = [...new Set([...withRows.map((r) => r.value), ...withoutRows.map((r) => r.value)])];
    for (const value of values) {
      const w = withRows.find((r) => r.value === value) ?? { conversions: 0, revenue: 0 };
      const o = withoutRows.find((r) => r.value === value) ?? { conversions: 0, revenue: 0 };
      rows.push([
        model,
        value,
        num(w.conversions),
        num(w.revenue),
        num(o.conversions),
        num(o.revenue),
        signed(w.conversions - o.conversions),
      ]);
    }
  }
  return {
    header: [
      'model',
      'value',
      'conversions (stitched)',
      'revenue (stitched)',
      'conversions (unstitched)',
      'revenue (unstitched)',
      'difference',
    ],
    rows,
  };
}

function signed(x: number): string {
  const text = num(Math.abs(x));
  return x > 0 ? `+${text}` : x < 0 ? `−${text}` : '0';
}

/** The most frequent whole paths. */
export function pathsTable(answer: PathsResponse): Table {
  return { header: ['path', 'units'], rows: answer.topPaths.map((p) => [p.path.join(' → '), String(p.count)]) };
}

/** A conversion's touches with their credit and the link that tied each to the buyer. */
export function conversionTable(answer: ConversionExplanation): Table {
  const models = [...new Set(answer.touches.flatMap((t) => Object.keys(t.credit)))];
  return {
    header: ['time', 'event', 'channel', 'value', ...models, 'linked by'],
    rows: answer.touches.map((t) => [
      t.timestamp,
      t.event,
      t.channel,
      t.value,
      ...models.map((m) => num(t.credit[m as AttributionModel] ?? 0)),
      linkText(t.link),
    ]),
  };
}

function linkText(link: ConversionExplanation['touches'][number]['link']): string {
  if (link.kind === 'event') return `same ${link.identifier.type} ${link.identifier.value}`;
  if (link.kind === 'profile') return 'same profile when written';
  return link.merges.map((m) => `merge ${m.id} via ${m.via.map((v) => `${v.type}:${v.value}`).join(', ')}`).join('; ');
}

/** RFC 4180 CSV of a table (fields quoted when they hold a comma, quote or line break; CRLF line ends). */
export function toCsv(table: Table): string {
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return [table.header, ...table.rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
