/**
 * The cross-channel timeline, newest first, in sessions (30 minutes without an event end one): each event
 * with its channel, source, what matters inline (order total, products, campaign, link) and its event time,
 * the ingest time on hover. Both filters run on the server (`type=`, `channel=`), so they reach every event,
 * not only the loaded ones; "Load older" follows the cursor.
 */
import { useEffect, useState } from 'react';
import type { Channel } from '@kin/core/spec/channel-classify.ts';
import { CHANNELS, classifyChannel } from '@kin/core/spec/channel-classify.ts';
import type { ApiFailure } from '../api-client.ts';
import type { TimelineEvent } from '@kin/core/api/index.ts';
import { CHANNEL_STYLE } from '../channel-style.ts';
import { useKin } from '../kin-context.ts';
import { eventFacts, groupSessions, obj, str } from '../timeline-sessions.ts';
import { Empty, ErrorBox, formatTime, Loading } from '../ui/states.tsx';

const PAGE_SIZE = 25;
const TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'];

interface TimelineState {
  events: TimelineEvent[];
  next: string | null;
  loading: boolean;
  error?: ApiFailure;
}

/** The timeline of one profile. */
export function ProfileTimeline({ profileId }: { profileId: string }) {
  const { api, sourceName } = useKin();
  const [type, setType] = useState('');
  const [channel, setChannel] = useState<Channel | ''>('');
  const [state, setState] = useState<TimelineState>({ events: [], next: null, loading: true });

  const load = async (cursor: string | undefined, reset: boolean) => {
    setState((s) => ({ ...(reset ? { events: [], next: null } : s), loading: true }));
    const r = await api.events(profileId, {
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
      ...(type ? { type } : {}),
      ...(channel ? { channel } : {}),
    });
    setState((s) =>
      r.ok
        ? { events: [...(reset ? [] : s.events), ...r.data.data], next: r.data.cursor.hasMore ? r.data.cursor.next : null, loading: false }
        : { ...s, loading: false, error: r.error },
    );
  };
  useEffect(() => {
    void load(undefined, true);
    // Reloads from the first page when the profile or a filter changes.
  }, [profileId, type, channel]); // eslint-disable-line react-hooks/exhaustive-deps

  const sessions = groupSessions(state.events);
  return (
    <div className="timeline">
      <div className="filters">
        <label>
          Channel{' '}
          <select value={channel} onChange={(e) => setChannel(e.target.value as Channel | '')} name="channel">
            <option value="">all</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {CHANNEL_STYLE[c].label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type{' '}
          <select value={type} onChange={(e) => setType(e.target.value)} name="type">
            <option value="">all</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {state.events.length} loaded{state.next ? ', more on the server' : ''} · times are event times; hover for the ingest time
        </span>
      </div>
      {state.error ? <ErrorBox error={state.error} onRetry={() => void load(undefined, true)} /> : null}
      {!state.loading && !state.error && state.events.length === 0 ? (
        <Empty>No events{channel || type ? ' match these filters' : ''}.</Empty>
      ) : null}
      {sessions.map((session) => (
        <section key={session.events[0]?.messageId} className="session" aria-label={`Session ${formatTime(session.start)}`}>
          <h3 className="session-head small">
            Session {formatTime(session.start)}
            {session.end !== session.start ? ` – ${formatTime(session.end).slice(11)}` : ''} · {session.events.length} event
            {session.events.length > 1 ? 's' : ''}
          </h3>
          <ol className="events">
            {session.events.map((event) => (
              <EventRow
                key={`${event.sourceId}:${event.messageId}`}
                event={event}
                channel={classifyChannel(event, sourceName(event.sourceId))}
                source={sourceName(event.sourceId)}
              />
            ))}
          </ol>
        </section>
      ))}
      {state.loading ? <Loading label="Loading events…" /> : null}
      {!state.loading && state.next ? (
        <button type="button" className="button" onClick={() => void load(state.next ?? undefined, false)}>
          Load older events
        </button>
      ) : null}
    </div>
  );
}

function EventRow({ event, channel, source }: { event: TimelineEvent; channel: Channel; source: string }) {
  const style = CHANNEL_STYLE[channel];
  return (
    <li className="event" data-channel={channel} data-type={event.type} data-anonymous-id={event.anonymousId ?? ''}>
      <span className="channel-icon" style={{ background: style.color }} title={style.label} aria-label={style.label}>
        {style.glyph}
      </span>
      <div className="event-body">
        <div className="event-line">
          <strong>{titleOf(event)}</strong>
          <span className="tag">{event.type}</span>
          <span className="muted small">
            {style.label} · {source}
          </span>
        </div>
        <ul className="facts small">
          {eventFacts(event).map((fact) => (
            <li key={fact.label} data-fact={fact.label}>
              <span className="muted">{fact.label}</span>{' '}
              {fact.href ? (
                <a href={fact.href} target="_blank" rel="noopener noreferrer">
                  {fact.value}
                </a>
              ) : (
                fact.value
              )}
            </li>
          ))}
        </ul>
        <details>
          <summary className="small">payload</summary>
          <pre>{JSON.stringify(event, null, 2)}</pre>
        </details>
      </div>
      <time className="event-time small" dateTime={event.timestamp} title={`event time ${event.timestamp}\ningested ${event.receivedAt}`}>
        {formatTime(event.timestamp)}
      </time>
    </li>
  );
}

function titleOf(event: TimelineEvent): string {
  if (event.type === 'track') return event.event ?? 'track';
  if (event.type === 'page') return event.name ?? str(obj(event.context?.['page'])?.['path']) ?? 'Page view';
  if (event.type === 'screen') return event.name ?? 'Screen';
  if (event.type === 'identify') return 'Identified';
  if (event.type === 'alias') return 'Alias';
  return 'Group';
}
