/**
 * The cross-channel timeline, newest first: each event with its channel (icon and colour), source and a
 * one-line summary. The type filter runs on the server; the channel filter runs on the loaded pages
 * (channels are derived, the store does not know them), and "Load older" follows the cursor.
 */
import { useEffect, useState } from 'react';
import type { ApiFailure } from '../api-client.ts';
import type { TimelineEvent } from '@kin/core/api/index.ts';
import type { Channel } from '../channel-classify.ts';
import { CHANNELS, CHANNEL_STYLE, classifyChannel } from '../channel-classify.ts';
import { useKin } from '../kin-context.ts';
import { Empty, ErrorBox, Loading, Time } from '../ui/states.tsx';

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
    const r = await api.events(profileId, { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}), ...(type ? { type } : {}) });
    setState((s) =>
      r.ok
        ? { events: [...(reset ? [] : s.events), ...r.data.data], next: r.data.cursor.hasMore ? r.data.cursor.next : null, loading: false }
        : { ...s, loading: false, error: r.error },
    );
  };
  useEffect(() => {
    void load(undefined, true);
    // Reloads from the first page when the profile or the type filter changes.
  }, [profileId, type]); // eslint-disable-line react-hooks/exhaustive-deps

  const shown = state.events
    .map((event) => ({ event, channel: classifyChannel(event, sourceName(event.sourceId)) }))
    .filter((x) => !channel || x.channel === channel);

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
        <span className="muted small">{state.events.length} loaded</span>
      </div>
      {state.error ? <ErrorBox error={state.error} onRetry={() => void load(undefined, true)} /> : null}
      {!state.loading && !state.error && shown.length === 0 ? <Empty>No events{channel || type ? ' match these filters' : ''}.</Empty> : null}
      <ol className="events">
        {shown.map(({ event, channel: c }) => (
          <li key={event.messageId} className="event" data-channel={c} data-anonymous-id={event.anonymousId ?? ''}>
            <span className="channel-icon" style={{ background: CHANNEL_STYLE[c].color }} title={CHANNEL_STYLE[c].label} aria-label={CHANNEL_STYLE[c].label}>
              {CHANNEL_STYLE[c].glyph}
            </span>
            <div className="event-body">
              <div className="event-line">
                <strong>{titleOf(event)}</strong>
                <span className="tag">{event.type}</span>
                <span className="muted small">
                  {CHANNEL_STYLE[c].label} · {sourceName(event.sourceId)}
                </span>
              </div>
              <div className="muted small wrap">{detailOf(event)}</div>
              <details>
                <summary className="small">payload</summary>
                <pre>{JSON.stringify(event, null, 2)}</pre>
              </details>
            </div>
            <span className="event-time small">
              <Time iso={event.timestamp} />
            </span>
          </li>
        ))}
      </ol>
      {state.loading ? <Loading label="Loading events…" /> : null}
      {!state.loading && state.next ? (
        <button type="button" className="button" onClick={() => void load(state.next ?? undefined, false)}>
          Load older events
        </button>
      ) : null}
    </div>
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

function detailOf(event: TimelineEvent): string {
  const context = event.context ?? {};
  const parts: string[] = [];
  const page = obj(context['page']);
  if (page && str(page['url'])) parts.push(str(page['url']) ?? '');
  else if (page && str(page['path'])) parts.push(str(page['path']) ?? '');
  const device = obj(context['device']);
  if (device) parts.push([str(device['type']), str(device['model'])].filter(Boolean).join(' ') || 'device');
  const campaign = obj(context['campaign']);
  if (campaign) parts.push(`campaign ${[str(campaign['name']), str(campaign['source']), str(campaign['medium'])].filter(Boolean).join(' / ')}`);
  if (obj(context['kin'])?.['link']) parts.push('tracked link');
  if (event.userId) parts.push(`user ${event.userId}`);
  if (event.anonymousId) parts.push(`anon ${event.anonymousId.slice(0, 13)}`);
  return parts.join(' · ');
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
