/**
 * Tracked links: each link with its destination and stats (clicks, unique, bots, HEAD, recipients, opens,
 * conversions: an Order Completed within 7 days of a click, see docs/links.md).
 */
import type { LinkSummary } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { formatCount, Loaded, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import type { Column } from '../ui/data-table.tsx';
import { DataTable } from '../ui/data-table.tsx';

const NARROW = 'hide-narrow';
const LINK_COLUMNS: Column[] = [
  'Link',
  { label: 'Destination', className: NARROW },
  ...['Clicks', 'Unique', 'Recipients', 'Conversions'].map((label) => ({ label, className: 'num' })),
  ...['Opens', 'Bots', 'HEAD'].map((label) => ({ label, className: `num ${NARROW}` })),
  { label: 'Created', className: NARROW },
];

/** The links page. */
export function LinksPage() {
  const { api } = useKin();
  const links = useApi(() => api.links({ limit: 100 }), 'links');
  return (
    <section className="page">
      <h1>Links</h1>
      <p className="muted">Bot and scanner clicks, HEAD requests and machine opens are counted apart and left out of every other figure.</p>
      <Loaded load={links} isEmpty={(page) => page.data.length === 0} empty="No tracked links yet. Create one with POST /v1/links.">
        {(page) => (
          <DataTable columns={LINK_COLUMNS}>
            {page.data.map((link) => (
              <LinkRow key={link.id} link={link} />
            ))}
          </DataTable>
        )}
      </Loaded>
    </section>
  );
}

function LinkRow({ link }: { link: LinkSummary }) {
  const { api } = useKin();
  const stats = useApi(() => api.linkStats(link.id), `link-stats-${link.id}`);
  const s = stats.state === 'ready' ? stats.data : undefined;
  const n = (value: number | undefined) => (value === undefined ? '…' : formatCount(value));
  return (
    <tr data-link={link.code}>
      <td>
        <code>{link.code}</code>
        {link.campaignId ? <span className="muted"> · {link.campaignId}</span> : null}
      </td>
      <td className="hide-narrow">
        <span className="truncate" title={link.destination}>
          {link.destination}
        </span>
      </td>
      {[
        ['clicks', 'num', n(s?.clicks)],
        ['unique', 'num', n(s?.uniqueClicks)],
        ['recipients', 'num', s ? `${formatCount(s.recipientsClicked)} / ${formatCount(s.recipients)}` : '…'],
        ['conversions', 'num', n(s?.conversions)],
        ['opens', 'num hide-narrow', n(s?.opens)],
        ['bots', 'num hide-narrow', n(s?.botClicks)],
        ['head', 'num hide-narrow', n(s?.headRequests)],
      ].map(([stat, className, text]) => (
        <td key={stat} className={className} data-stat={stat}>
          {text}
        </td>
      ))}
      <td className="hide-narrow">
        <Time iso={link.createdAt} />
      </td>
    </tr>
  );
}
