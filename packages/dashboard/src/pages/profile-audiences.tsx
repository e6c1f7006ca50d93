/** The profile page's computed traits (from the profile answer) and the audiences it is in, with entry times. */
import type { Profile } from '@kin/core/api/index.ts';
import { useKin } from '../kin-context.ts';
import { hrefOf, link } from '../router.ts';
import { Empty, ErrorBox, formatValue, Time } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

/** Computed traits and audiences of one profile. */
export function ProfileAudiences({ profile }: { profile: Profile }) {
  const { api } = useKin();
  const audiences = useApi(() => api.audiences.profileAudiences(profile.id), profile.id);
  const traits = Object.entries(profile.computedTraits ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="profile-grid" data-profile-audiences>
      <div className="card">
        <h2>Computed traits</h2>
        {traits.length === 0 ? (
          <Empty>No computed traits are defined.</Empty>
        ) : (
          <table className="table compact" data-computed-traits>
            <tbody>
              {traits.map(([key, value]) => (
                <tr key={key} data-key={key}>
                  <th scope="row">{key}</th>
                  <td>{formatValue(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card">
        <h2>Audiences</h2>
        {audiences.state === 'error' ? <ErrorBox error={audiences.error} onRetry={audiences.reload} /> : null}
        {audiences.state === 'ready' && audiences.data.data.length === 0 ? <Empty>In no audience.</Empty> : null}
        {audiences.state === 'ready' && audiences.data.data.length > 0 ? (
          <ul className="plain-list" data-audience-list>
            {audiences.data.data.map((a) => (
              <li key={a.key} data-key={a.key}>
                <a href={hrefOf({ name: 'audiences' })} onClick={link({ name: 'audiences' })}>
                  <span className="tag">{a.key}</span>
                </a>{' '}
                <span className="muted small">
                  since <Time iso={a.enteredAt} />
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
