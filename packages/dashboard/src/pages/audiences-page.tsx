/**
 * Computed traits and audiences: every definition with its backfill progress and, for audiences, the live
 * size (refreshed every 3 s), a builder for each (a JSON definition started from a template; a refusal shows
 * the field the server named) and delete. See docs/computed-traits.md.
 */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { Audience, ComputedTrait } from '@kin/core/api/index.ts';
import type { ApiFailure, ApiResult } from '../api-client.ts';
import { useKin } from '../kin-context.ts';
import { Empty, ErrorBox, formatCount, Loading } from '../ui/states.tsx';
import { DataTable } from '../ui/data-table.tsx';
import { useApi } from '../ui/use-api.ts';

const TRAIT_TEMPLATE = { key: 'orders_30d', type: 'event_counter', event: 'Order Completed', window: { days: 30 } };
const AUDIENCE_TEMPLATE = { key: 'recent_buyers', where: { performed: { event: 'Order Completed', within: { days: 7 } } } };

/** The page. */
export function AudiencesPage() {
  const { api } = useKin();
  const traits = useApi(() => api.audiences.computedTraits(), 'traits');
  const audiences = useApi(() => api.audiences.audiences(), 'audiences');
  useEffect(() => {
    const timer = setInterval(() => {
      traits.reload();
      audiences.reload();
    }, 3000);
    return () => clearInterval(timer);
  }, [traits.reload, audiences.reload]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <section className="page">
      <h1>Computed traits and audiences</h1>
      <Builder
        label="computed trait"
        name="trait"
        template={TRAIT_TEMPLATE}
        create={(d) => api.audiences.createComputedTrait(d)}
        onCreated={traits.reload}
      />
      {traits.state === 'loading' ? <Loading /> : null}
      {traits.state === 'error' ? <ErrorBox error={traits.error} onRetry={traits.reload} /> : null}
      {traits.state === 'ready' ? (
        <TraitTable traits={traits.data.data} onDelete={async (k) => (await api.audiences.deleteComputedTrait(k), traits.reload())} />
      ) : null}
      <Builder
        label="audience"
        name="audience"
        template={AUDIENCE_TEMPLATE}
        create={(d) => api.audiences.createAudience(d)}
        onCreated={audiences.reload}
      />
      {audiences.state === 'loading' ? <Loading /> : null}
      {audiences.state === 'error' ? <ErrorBox error={audiences.error} onRetry={audiences.reload} /> : null}
      {audiences.state === 'ready' ? (
        <AudienceTable
          audiences={audiences.data.data}
          onDelete={async (k) => (await api.audiences.deleteAudience(k), audiences.reload())}
        />
      ) : null}
    </section>
  );
}

function Builder(props: {
  label: string;
  name: string;
  template: unknown;
  create: (definition: unknown) => Promise<ApiResult<unknown>>;
  onCreated: () => void;
}) {
  const [text, setText] = useState(JSON.stringify(props.template, null, 2));
  const [error, setError] = useState<ApiFailure | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch {
      return setError({ status: 400, code: 'invalid_json', message: 'The definition is not valid JSON.' });
    }
    setBusy(true);
    const r = await props.create(definition);
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setError(undefined);
    props.onCreated();
  };
  const id = `new-${props.name}`;
  return (
    <form className="card" onSubmit={(e) => void submit(e)} data-builder={props.name}>
      <label htmlFor={id}>
        <strong>New {props.label}</strong> <span className="muted small">(JSON, see docs/computed-traits.md)</span>
      </label>
      <textarea id={id} className="code-input" rows={6} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      <button type="submit" className="button button-primary" disabled={busy}>
        Create {props.label}
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}

/** A definition's backfill state and its delete button (two cells). */
function StatusAndDelete({
  definition: d,
  onDelete,
}: {
  definition: { key: string; status: string; progress: number };
  onDelete: (key: string) => Promise<void>;
}) {
  return (
    <>
      <td>
        {d.status === 'live' ? (
          <span className="tag">live</span>
        ) : (
          <span className="tag tag-amber">backfilling {Math.round(d.progress * 100)} %</span>
        )}
      </td>
      <td>
        <button type="button" className="button button-danger" onClick={() => void onDelete(d.key)}>
          Delete
        </button>
      </td>
    </>
  );
}

function TraitTable({ traits, onDelete }: { traits: ComputedTrait[]; onDelete: (key: string) => Promise<void> }) {
  if (traits.length === 0) return <Empty>No computed traits yet.</Empty>;
  return (
    <DataTable columns={['Key', 'Type', 'Event', { label: 'Window', className: 'hide-narrow' }, 'Status', '']} data-trait-table>
      {traits.map((t) => (
        <tr key={t.key} data-key={t.key}>
          <td>{t.key}</td>
          <td>
            {t.type}
            {t.agg ? ` (${t.agg})` : ''}
          </td>
          <td>
            {t.event}
            {t.property ? <span className="muted small"> · {t.property}</span> : null}
          </td>
          <td className="hide-narrow">{t.window ? Object.entries(t.window).map(([unit, n]) => `${n} ${unit}`) : 'lifetime'}</td>
          <StatusAndDelete definition={t} onDelete={onDelete} />
        </tr>
      ))}
    </DataTable>
  );
}

function AudienceTable({ audiences, onDelete }: { audiences: Audience[]; onDelete: (key: string) => Promise<void> }) {
  if (audiences.length === 0) return <Empty>No audiences yet.</Empty>;
  return (
    <DataTable
      columns={['Key', { label: 'Size', className: 'num' }, { label: 'Definition', className: 'hide-narrow' }, 'Status', '']}
      data-audience-table
    >
      {audiences.map((a) => (
        <tr key={a.key} data-key={a.key}>
          <td>{a.key}</td>
          <td className="num" data-size>
            {formatCount(a.size)}
          </td>
          <td className="hide-narrow">
            <code className="small">{JSON.stringify(a.where)}</code>
          </td>
          <StatusAndDelete definition={a} onDelete={onDelete} />
        </tr>
      ))}
    </DataTable>
  );
}
