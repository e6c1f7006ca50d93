/** Shared loading, empty and error states, and small formatting helpers. */
import type { ReactNode } from 'react';
import type { ApiFailure } from '../api-client.ts';
import type { Load } from './use-api.ts';

/** A loading placeholder. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

/** An empty state with an explanation. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/** An error state with an optional retry. */
export function ErrorBox({ error, onRetry }: { error: ApiFailure; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <strong>{error.code === 'not_found' ? 'Not found' : 'Something went wrong'}</strong>
      <span>
        {error.message} <code>{error.code}</code>
      </span>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/**
 * A page's list in its states: loading, the error with a retry, `empty` when `isEmpty(data)`, else
 * `children(data)`. Why: every list page wrote these four lines around its table.
 */
export function Loaded<T>(props: {
  load: Load<T> & { reload: () => void };
  isEmpty: (data: T) => boolean;
  empty: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { load } = props;
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'error') return <ErrorBox error={load.error} onRetry={load.reload} />;
  return props.isEmpty(load.data) ? <Empty>{props.empty}</Empty> : <>{props.children(load.data)}</>;
}

/** A time as `YYYY-MM-DD HH:MM:SS` (local), with the ISO value in a tooltip. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  );
}

/** Formats an ISO time for display. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A value shown compactly (strings as-is, everything else as JSON). */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** Formats a rate (0.111) as a percentage with one decimal (11.1 %). */
export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

/** Formats a count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
