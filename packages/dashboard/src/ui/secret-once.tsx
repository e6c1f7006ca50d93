/** A secret shown once (a new write key, a token's secret): the value, Copy, and Done to hide it for good. */
import type { ReactNode } from 'react';

/** The notice; `marker` names the data attribute tests find the value by (`data-write-key`, `data-token-secret`). */
export function SecretOnce({ title, secret, marker, onDone }: { title: ReactNode; secret: string; marker: string; onDone: () => void }) {
  return (
    <div className="card notice" role="status">
      <strong>{title}</strong> — shown once, copy it now:
      <code className="secret" {...{ [`data-${marker}`]: '' }}>
        {secret}
      </code>
      <button type="button" className="button" onClick={() => void navigator.clipboard?.writeText(secret)}>
        Copy
      </button>
      <button type="button" className="button button-quiet" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
