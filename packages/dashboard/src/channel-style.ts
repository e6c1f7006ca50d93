/** How the dashboard draws each channel (the classification itself is in @kin/core). */
import type { Channel } from '@kin/core/spec/channel-classify.ts';

/** Display colour and glyph of each channel. */
export const CHANNEL_STYLE: Record<Channel, { color: string; glyph: string; label: string }> = {
  web: { color: '#2563eb', glyph: '◎', label: 'Web' },
  app: { color: '#059669', glyph: '▣', label: 'App' },
  email: { color: '#d97706', glyph: '✉', label: 'Email' },
  social: { color: '#db2777', glyph: '#', label: 'Social' },
  crm: { color: '#7c3aed', glyph: '◆', label: 'CRM' },
  other: { color: '#64748b', glyph: '•', label: 'Other' },
};
