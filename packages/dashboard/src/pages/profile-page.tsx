/** One profile: identifiers by type, traits with their source and time, identity graph, timeline, merges. */
import type { ExternalId, Profile } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { link } from '../router.ts';
import { Empty, ErrorBox, formatValue, Loading, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { IdentityGraph } from './identity-graph.tsx';
import { ProfileTimeline } from './profile-timeline.tsx';

/** The profile page (ref: a profile id or `type:value`). */
export function ProfilePage({ profileRef }: { profileRef: string }) {
  const { api } = useKin();
  const profile = useApi(() => api.profile(profileRef), profileRef);
  if (profile.state === 'loading') return <Loading label="Loading profile…" />;
  if (profile.state === 'error') return <ErrorBox error={profile.error} onRetry={profile.reload} />;
  const p = profile.data;
  return (
    <section className="page profile">
      <ProfileHeader profile={p} />
      <div className="profile-grid">
        <div className="card">
          <h2>Identifiers ({p.externalIds.length})</h2>
          <IdentifierGroups ids={p.externalIds} />
        </div>
        <div className="card">
          <h2>Traits</h2>
          <Traits profileId={p.id} />
        </div>
      </div>
      <div className="card">
        <h2>Identity graph</h2>
        <IdentityGraph profileId={p.id} />
      </div>
      <div className="card">
        <h2>Timeline</h2>
        <ProfileTimeline profileId={p.id} />
      </div>
      <div className="card">
        <h2>Merge history</h2>
        <Merges profileId={p.id} />
      </div>
    </section>
  );
}

function ProfileHeader({ profile }: { profile: Profile }) {
  const t = profile.traits;
  const name = [t['firstName'], t['lastName']].filter((x) => typeof x === 'string').join(' ') || (typeof t['name'] === 'string' ? t['name'] : '');
  const email = profile.externalIds.find((e) => e.type === 'email')?.value;
  return (
    <div className="page-head profile-head">
      <div>
        <h1>{name || email || 'Profile'}</h1>
        <p className="muted small">
          <code data-profile-id={profile.id}>{profile.id}</code> · created <Time iso={profile.createdAt} /> · updated <Time iso={profile.updatedAt} />
          {profile.mergedFrom.length > 0 ? ` · ${profile.mergedFrom.length} profile(s) merged in` : ''}
        </p>
      </div>
    </div>
  );
}

function IdentifierGroups({ ids }: { ids: ExternalId[] }) {
  const { sourceName } = useKin();
  if (ids.length === 0) return <Empty>No identifiers.</Empty>;
  const groups = new Map<string, ExternalId[]>();
  for (const id of [...ids].sort((a, b) => a.type.localeCompare(b.type) || a.firstSeen.localeCompare(b.firstSeen))) {
    groups.set(id.type, [...(groups.get(id.type) ?? []), id]);
  }
  return (
    <div className="id-groups">
      {[...groups].map(([type, list]) => (
        <div key={type} className="id-group" data-id-type={type}>
          <h3>
            {type} <span className="muted">({list.length})</span>
          </h3>
          <table className="table compact">
            <tbody>
              {list.map((id) => (
                <tr key={id.value}>
                  <td className="mono wrap">{id.value}</td>
                  <td className="muted">{sourceName(id.sourceId)}</td>
                  <td className="muted small">
                    <Time iso={id.firstSeen} />
                    <br />
                    <Time iso={id.lastSeen} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

function Traits({ profileId }: { profileId: string }) {
  const { api, sourceName } = useKin();
  const traits = useApi(() => api.traits(profileId), profileId);
  if (traits.state === 'loading') return <Loading />;
  if (traits.state === 'error') return <ErrorBox error={traits.error} onRetry={traits.reload} />;
  if (traits.data.data.length === 0) return <Empty>No traits yet: identify calls set them.</Empty>;
  return (
    <table className="table compact">
      <thead>
        <tr>
          <th>Trait</th>
          <th>Value</th>
          <th>Source · time</th>
        </tr>
      </thead>
      <tbody>
        {[...traits.data.data]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((t) => (
            <tr key={t.key}>
              <td className="mono">{t.key}</td>
              <td className="wrap">{formatValue(t.value)}</td>
              <td className="muted small">
                {sourceName(t.sourceId)}
                <br />
                <Time iso={t.timestamp} />
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function Merges({ profileId }: { profileId: string }) {
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
          <li key={m.id}>
            <Time iso={m.createdAt} /> · <span className="tag">{m.rule}</span> absorbed{' '}
            <a href={`/profiles/${encodeURIComponent(m.absorbedId)}`} onClick={link({ name: 'profile', ref: m.absorbedId })} className="mono">
              {m.absorbedId.slice(0, 8)}
            </a>{' '}
            into{' '}
            <span className="mono">{m.survivorId.slice(0, 8)}</span> via {m.via.map((v) => `${v.type}:${v.value}`).join(' + ')}{' '}
            <span className="muted small">
              ({sourceName(m.sourceId)}, message {m.messageId.slice(0, 8)})
            </span>
          </li>
        ))}
    </ol>
  );
}
