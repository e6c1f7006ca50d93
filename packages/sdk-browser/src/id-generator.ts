/**
 * Random v4 UUIDs for messageId and anonymousId.
 *
 * Why the fallbacks: `crypto.randomUUID` exists only in secure contexts (https or localhost), and many
 * sites still load over plain http; `getRandomValues` is available everywhere else that matters.
 */

/** Returns a new random v4 UUID. */
export function randomId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return uuidFromBytes(bytes);
}

/** Formats 16 bytes as a v4 UUID (sets the version and variant bits). */
export function uuidFromBytes(bytes: Uint8Array): string {
  const b = Array.from(bytes, (byte, i) => (i === 6 ? (byte & 0x0f) | 0x40 : i === 8 ? (byte & 0x3f) | 0x80 : byte));
  const hex = b.map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
