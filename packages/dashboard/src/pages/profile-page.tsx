/**
 * One profile: a summary header (name, channels, first and last event, events, orders, revenue), the
 * identifiers with why each one is here (the explain route), traits with their source, time and history, the identity
 * graph, the timeline and the merge history. Every reference reads as a name or a full, copyable id.
 */
import { useState } from 'react';
import type { ExternalId, Merge, Profile, ExplainAnswer } from '@kin/core/api/index.ts';
import { CHANNEL_STYLE } from '../channel-style.ts';
import { useKin } from '../kin-context.ts';
import { hrefOf, link } from '../router.ts';
import { CopyId } from '../ui/copy-id.tsx';
import { RULE_TEXT } from '../ui/rule-text.ts';
import { displayName } from '../ui/profile-name.ts';
import { Empty, ErrorBox, formatCount, formatValue, Loading, Time } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { useApi } from '../ui/use-api.ts';
import { IdentityGraph } from './identity-graph.tsx';
import { SplitProfile, UndoMerge } from './profile-separate.tsx';
import { PrivacyActions } from './privacy-actions.tsx';
import { ProfileTimeline } from './profile-timeline.tsx';
import { ProfileAudiences } from './profile-audiences.tsx';

/** The profile page (ref: a profile id or `type:value`). */
export function ProfilePage({ profileRef }: { profileRef: string }) {
  const { api } = useKin();
  // An undo or split changes everything on the page: a new version remounts and reloads every part.
  const [version, setVersion] = useState(0);
  const profile = useApi(() => api.profile(profileRef), `${profileRef}#${version}`);
  if (profile.state === 'loading') return <Loading label="Loading profile…" />;
  if (profile.state === 'error') return <ErrorBox error={profile.error} onRetry={profile.reload} />;
  const p = profile.data;
  return (
    <section className="page profile">
      <ProfileHeader key={`h${version}`} profile={p} />
      <ProfileBody key={`b${version}`} profile={p} onChanged={() => setVersion((v) => v + 1)} />
    </section>
  );
}

function ProfileBody({ profile: p, onChanged }: { profile: Profile; onChanged: () => void }) {
  const { api } = useKin();
  const explanation = useApi(() => api.explain(p.id), p.id);
  const explained = explanation.state === 'ready' ? explanation.data : undefined;
  return (
    <>
      <div className="profile-grid">
        <div className="card">
          <h2>Identifiers ({p.externalIds.length}) and why each is here</h2>
          <IdentifierGroups ids={p.externalIds} explanation={explained} />
          <details className="split-box">
            <summary>Split this profile…</summary>
            <SplitProfile profileId={p.id} ids={p.externalIds} onChanged={onChanged} />
          </details>
        </div>
        <div className="card">
          <h2>Traits</h2>
          <Traits profileId={p.id} />
        </div>
      </div>
      <ProfileAudiences profile={p} />
      <div className="card">
        <h2>Identity graph</h2>
        <IdentityGraph profileId={p.id} explanation={explained} />
      </div>
      <div className="card">
        <h2>Timeline</h2>
        <ProfileTimeline profileId={p.id} />
      </div>
      <div className="card">
        <h2>Merge history</h2>
        <Merges profileId={p.id} onChanged={onChanged} />
      </div>
      <PrivacyActions profile={p} />
    </>
  );
}

function ProfileHeader({ profile }: { profile: Profile }) {
  const { api } = useKin();
  const summary = useApi(() => api.summary(profile.id), profile.id);
  const name = displayName(profile.traits);
  const email = profile.externalIds.find((e) => e.type === 'email')?.value;
  const s = summary.state === 'ready' ? summary.data : undefined;
  const revenue = s ? Object.entries(s.revenue).map(([currency, amount]) => formatMoney(amount, currency)) : [];
  return (
    <div className="profile-head">
      <h1>{name || email || 'Unnamed profile'}</h1>
      <p className="muted small profile-id">
        {name && email ? <span>{email} · </span> : null}
        profile <CopyId id={profile.id} /> · created <Time iso={profile.createdAt} />
        {profile.mergedFrom.length > 0
          ? ` · ${profile.mergedFrom.length} profile${profile.mergedFrom.length > 1 ? 's' : ''} merged in`
          : ''}
      </p>
      {summary.state === 'error' ? <ErrorBox error={summary.error} onRetry={summary.reload} /> : null}
      <dl className="summary" aria-busy={summary.state === 'loading'}>
        <div>
          <dt>Channels</dt>
          <dd className="channels">
            {s && Object.keys(s.channels).length === 0 ? '—' : null}
            {s
              ? Object.entries(s.channels)
                  .sort((a, b) => b[1] - a[1])
                  .map(([channel, n]) => {
                    const style = CHANNEL_STYLE[channel as keyof typeof CHANNEL_STYLE] ?? CHANNEL_STYLE.other;
                    return (
                      <span key={channel} className="chip" data-channel={channel} title={`${n} events`}>
                        <span className="chip-dot" style={{ background: style.color }} aria-hidden="true" />
                        {style.label} <span className="muted">{formatCount(n)}</span>
                      </span>
                    );
                  })
              : '…'}
          </dd>
        </div>
        <div>
          <dt>First seen</dt>
          <dd>{s ? <Time iso={s.firstSeen} /> : '…'}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>{s ? <Time iso={s.lastSeen} /> : '…'}</dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd data-summary="events">{s ? `${formatCount(s.events)}${s.truncated ? '+' : ''}` : '…'}</dd>
        </div>
        <div>
          <dt>Orders</dt>
          <dd data-summary="orders">{s ? formatCount(s.orders) : '…'}</dd>
        </div>
        <div>
          <dt>Revenue</dt>
          <dd data-summary="revenue">{s ? revenue.join(' + ') || '—' : '…'}</dd>
        </div>
      </dl>
    </div>
  );
}

function formatMoney(amount: number, currency: string): string {
  if (/^[A-Z]{3}$/.test(currency)) {
    try {
      return amount.toLocaleString('en-US', { style: 'currency', currency });
    } catch {
      // An unknown currency code: fall through to the plain number.
    }
  }
  return `${amount.toLocaleString('en-US')}${currency ? ` ${currency}` : ''}`;
}

function IdentifierGroups({ ids, explanation }: { ids: ExternalId[]; explanation: ExplainAnswer | undefined }) {
  const { sourceName } = useKin();
  if (ids.length === 0) return <Empty>No identifiers.</Empty>;
  const why = new Map((explanation?.identifiers ?? []).map((i) => [`${i.type}:${i.value}`, i]));
  const groups = new Map<string, ExternalId[]>();
  for (const id of [...ids].sort((a, b) => a.type.localeCompare(b.type) || a.firstSeen.localeCompare(b.firstSeen))) {
    groups.set(id.type, [...(groups.get(id.type) ?? []), id]);
  }
  return (
    <div className="id-groups">
      {[...groups].map(([type, list]) => (
        <details key={type} className="id-group" data-id-type={type} open={list.length <= 6}>
          <summary>
            <strong>{type}</strong> <span className="muted">({list.length})</span>
          </summary>
          <ul className="id-list">
            {list.map((id) => {
              const reason = why.get(`${id.type}:${id.value}`);
              return (
                <li key={id.value} data-identifier={`${id.type}:${id.value}`}>
                  <span className="mono wrap">{id.value}</span>
                  <span className="muted small why">
                    {reason?.rule ? (RULE_TEXT[reason.rule] ?? reason.rule) : 'linked before Kin recorded why'}
                    {reason?.ruleNumber ? ` (${reason.ruleNumber})` : ''} · {sourceName(id.sourceId)} ·{' '}
                    <Time iso={reason?.linkedAt ?? id.firstSeen} />
                    {reason?.messageId ? (
                      <>
                        {' '}
                        · event <code title="message id">{reason.messageId}</code>
                      </>
                    ) : null}
                  </span>
                </li>
              );
            })}
          </ul>
        </details>
      ))}
    </div>
  );
}

function Traits({ profileId }: { profileId: string }) {
  const { api, sourceName } = useKin();
  const traits = useApi(() => api.traitHistory(profileId), profileId);
  if (traits.state === 'loading') return <Loading />;
  if (traits.state === 'error') return <ErrorBox error={traits.error} onRetry={traits.reload} />;
  const rows = traits.data.data.filter((t) => t.value !== null || t.history.length > 0);
  if (rows.length === 0) return <Empty>No traits yet: identify calls set them.</Empty>;
  return (
    <DataTable columns={['Trait', 'Value and history', 'Source · time']} className="compact" card={false}>
      {[...rows]
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((t) => (
          <tr key={t.key} data-trait={t.key}>
            <td className="mono">{t.key}</td>
            <td className="wrap">
              {t.value === null ? <span className="muted">unset</span> : formatValue(t.value)}
              {t.history.length > 1 ? (
                <details className="trait-history">
                  <summary className="small">{t.history.length} values</summary>
                  <ol className="small">
                    {t.history.map((h, i) => (
                      <li key={i}>
                        {h.value === null ? <span className="muted">unset</span> : formatValue(h.value)}{' '}
                        <span className="muted">
                          · {sourceName(h.sourceId)}
                          {h.trust > 0 ? ` (rank ${h.trust})` : ''} · <Time iso={h.timestamp} />
                        </span>
                      </li>
                    ))}
                  </ol>
                </details>
              ) : null}
            </td>
            <td className="muted small">
              {sourceName(t.sourceId)}
              <br />
              <Time iso={t.timestamp} />
            </td>
          </tr>
        ))}
    </DataTable>
  );
}

function Merges({ profileId, onChanged }: { profileId: string; onChanged: () => void }) {
  const { api, sourceName } = useKin();
  const merges = useApi(() => api.merges(profileId), profileId);
  if (merges.state === 'loading') return <Loading />;
  if (merges.state === 'error') return <ErrorBox error={merges.error} onRetry={merges.reload} />;
  if (merges.data.data.length === 0) return <Empty>No merges: this profile was never joined with another.</Empty>;
  return (
    <ol className="merges">
      {[...merges.data.data]
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map((m) => (
          <MergeRow key={m.id} merge={m} profileId={profileId} sourceName={sourceName(m.sourceId)} onChanged={onChanged} />
        ))}
    </ol>
  );
}

function MergeRow({
  merge: m,
  profileId,
  sourceName,
  onChanged,
}: {
  merge: Merge;
  profileId: string;
  sourceName: string;
  onChanged: () => void;
}) {
  const into = m.survivorId === profileId ? 'this profile' : null;
  return (
    <li data-merge-id={m.id}>
      <Time iso={m.createdAt} /> · <span className="tag">{m.rule}</span> profile <CopyId id={m.absorbedId} /> was merged into{' '}
      {into ?? <CopyId id={m.survivorId} />} on an event with{' '}
      {m.via.map((v, i) => (
        <span key={`${v.type}:${v.value}`}>
          {i > 0 ? ' and ' : ''}
          <a
            href={hrefOf({ name: 'search', q: `${v.type}:${v.value}` })}
            onClick={link({ name: 'search', q: `${v.type}:${v.value}` })}
            className="mono"
          >
            {v.type}:{v.value}
          </a>
        </span>
      ))}
      <span className="muted small">
        {' '}
        · {sourceName} · event <code>{m.messageId}</code>
        {m.undoneBy ? ' · undone since' : ''}
      </span>{' '}
      <UndoMerge merge={m} onChanged={onChanged} />
    </li>
  );
}
