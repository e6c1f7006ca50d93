/**
 * A send's content, rendered for one recipient: the email's subject, text and HTML templates of the step
 * (`message-template.ts`) over the trigger and the profile, and the named `content` templates that a webhook or
 * Segment channel carries in `Message Sent`. Pure.
 *
 * Why values are escaped in HTML only: a trait like `<b>Ann & Bob</b>` is text the shopper typed, so in an
 * HTML body it must read as text, never as markup or a broken attribute; the text body and the subject are
 * not HTML. The subject is one line: line breaks in values become spaces.
 */
import type { EmailContent } from '../api/messaging-api.ts';
import { renderTemplate } from './message-template.ts';

/** An email ready for its links to be tracked and for sending. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html?: string;
}

/** What templates in content read: the trigger event and the profile (its id and traits). */
export interface ContentScope {
  trigger: unknown;
  profile: { id: string; traits: Record<string, unknown> };
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value: `& < > " '` escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** The roots a message's content may read. */
export const CONTENT_ROOTS = ['trigger', 'profile'] as const;

/** One template against the scope, a missing value rendered empty. */
function renderText(template: string, scope: ContentScope, escape?: (s: string) => string): string {
  return renderTemplate(template, scope as unknown as Record<string, unknown>, { missing: 'empty', ...(escape ? { escape } : {}) }) ?? '';
}

/** Renders a step's email; `fallback` is the subject and text of a step that has none. */
export function renderEmail(content: EmailContent | undefined, scope: ContentScope, fallback: RenderedEmail): RenderedEmail {
  const render = (template: string | undefined, escape?: (s: string) => string) =>
    template === undefined ? undefined : renderText(template, scope, escape);
  const subject = render(content?.subject)
    ?.replace(/[\r\n]+/g, ' ')
    .trim();
  const html = render(content?.html, escapeHtml);
  return {
    subject: subject || fallback.subject,
    text: render(content?.text) ?? fallback.text,
    ...(html !== undefined ? { html } : {}),
  };
}

/** Renders a step's named `content` templates (each as text, missing values empty); `undefined` without any. */
export function renderContent(content: Record<string, string> | undefined, scope: ContentScope): Record<string, string> | undefined {
  if (content === undefined) return undefined;
  return Object.fromEntries(Object.entries(content).map(([name, t]) => [name, renderText(t, scope)]));
}
