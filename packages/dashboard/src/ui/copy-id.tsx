/** A full id in monospace with a Copy button (ids are never cut: two UUIDv7 of one millisecond share 8 characters). */
import { useState } from 'react';

/** Shows `id` in full with a button that copies it. */
export function CopyId({ id }: { id: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(id).then(() => {
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <span className="copy-id">
      <code data-profile-id={id}>{id}</code>
      <button type="button" className="button-link small" onClick={copy} aria-label={`Copy ${id}`}>
        {copied ? 'copied' : 'copy'}
      </button>
    </span>
  );
}
