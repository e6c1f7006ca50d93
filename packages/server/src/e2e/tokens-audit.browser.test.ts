/**
 * The Tokens and Audit pages in a real Chromium against a real server: a token holding tokens:write creates a
 * token by ticking scopes (those it lacks cannot be ticked), sees the secret once, rotates it (the old secret
 * stops), deletes it after typing its name; the audit page lists those writes with seq, actor, action, target
 * and hash, filters them (in the URL), pages by cursor, and shows whether the chain verifies — then that it is
 * broken, after one entry is changed by direct SQL. A token without the scopes sees neither page.
 */
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessScope, IssuedToken } from '@kin/core/api/access-api.ts';
import { mountWebAssets } from '../http/web-assets.ts';
import type { TestKin } from '../testing/kin-harness.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import { signInWithToken } from '../testing/dashboard-browser.ts';
import { launchChromium, skipWithoutChromium } from '../testing/chromium-launch.ts';

describe.skipIf(skipWithoutChromium)('dashboard tokens and audit pages', () => {
  let kin: TestKin;
  let browser: Browser;

  beforeAll(async () => {
    kin = await startTestKin({ extra: mountWebAssets });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await kin?.close();
  });

  const json = { 'content-type': 'application/json' };
  const mint = async (name: string, scopes: AccessScope[]): Promise<IssuedToken> => {
    const res = await kin.admin('/v1/tokens', { method: 'POST', body: JSON.stringify({ name, scopes }), headers: json });
    expect(res.status).toBe(201);
    return (await res.json()) as IssuedToken;
  };
  /** The status a secret gets from an admin read. */
  const statusWith = async (secret: string, path: string) =>
    (await fetch(kin.url + path, { headers: { authorization: `Bearer ${secret}` } })).status;

  const signIn = (token: string): Promise<Page> => signInWithToken(browser, kin.url, token, { width: 1280, height: 900 });
  const navLabels = (page: Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();

  it('creates a token with scope checkboxes and shows its secret once, rotates it, deletes it after typing its name', async () => {
    const operator = await mint('token keeper', ['profiles:read', 'tokens:write', 'audit:read']);
    const page = await signIn(operator.secret);
    expect(await navLabels(page)).toEqual(expect.arrayContaining(['Tokens', 'Audit']));
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.locator(`tr[data-token="${operator.token.id}"]`).waitFor();

    const form = page.getByRole('form', { name: 'New token' });
    const create = form.getByRole('button', { name: 'Create token' });
    await form.getByLabel('Name').fill('ci bot');
    expect(await create.isDisabled()).toBe(true);
    // Scopes the signed-in token lacks cannot be granted: their boxes are disabled.
    expect(await form.locator('input[value="privacy:write"]').isDisabled()).toBe(true);
    expect(await form.locator('input[value="tokens:write"]').isDisabled()).toBe(false);
    await form.locator('input[value="profiles:read"]').check();
    await create.click();
    const shown = page.locator('[data-token-secret]');
    await shown.waitFor();
    const secret = (await shown.textContent())!.trim();
    expect(secret).toMatch(/^kin_tk_/);
    const row = page.locator('tr[data-token]', { hasText: 'ci bot' });
    await row.waitFor();
    const id = (await row.getAttribute('data-token'))!;
    expect(await row.locator('[data-status]').textContent()).toBe('live');
    expect(await statusWith(secret, '/v1/profiles')).toBe(200);
    expect(await statusWith(secret, '/v1/privacy/requests')).toBe(403);
    // Shown once: gone after Done and after a reload, and never in the list.
    await page.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Rotate' }).click();
    await page.locator('[data-token-secret]').waitFor();
    const rotated = (await page.locator('[data-token-secret]').textContent())!.trim();
    expect(rotated).not.toBe(secret);
    expect(await statusWith(secret, '/v1/profiles')).toBe(401);
    expect(await statusWith(rotated, '/v1/profiles')).toBe(200);

    await row.getByRole('button', { name: 'Delete…' }).click();
    const confirm = page.getByRole('form', { name: 'Confirm delete token' });
    const remove = confirm.getByRole('button', { name: 'Delete this token' });
    expect(await remove.isDisabled()).toBe(true);
    await confirm.getByRole('textbox').fill('ci');
    expect(await remove.isDisabled()).toBe(true);
    await confirm.getByRole('textbox').fill('ci bot');
    await remove.click();
    await page.locator(`tr[data-token="${id}"] [data-status="revoked"]`).waitFor();
    expect(await row.getByRole('button', { name: 'Rotate' }).count()).toBe(0);
    expect(await statusWith(rotated, '/v1/profiles')).toBe(401);

    // The same writes on the audit page: seq, actor, action, target, hash, and a verified chain.
    await page.getByRole('link', { name: 'Audit' }).click();
    const entries = page.locator('table.audit tbody tr');
    await entries.first().waitFor();
    const actions = await page.locator('table.audit tbody tr td:nth-child(4)').allTextContents();
    expect(actions.slice(-3)).toEqual(['tokens.create', 'tokens.rotate', 'tokens.revoke']);
    const last = entries.last();
    expect(await last.locator('td').nth(2).textContent()).toContain('token keeper');
    expect(await last.locator('td').nth(2).textContent()).toContain(operator.token.id);
    expect(await last.locator('td').nth(4).textContent()).toContain(id);
    expect(await last.locator('[data-hash]').getAttribute('data-hash')).toMatch(/^[0-9a-f]{64}$/);
    await page.locator('[data-chain="ok"]').waitFor();
    expect(await page.locator('[data-chain]').textContent()).toMatch(/chain verified: \d+ entries intact/);

    await page.getByLabel('Action').fill('tokens.rotate');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/audit\?action=tokens.rotate$/);
    await page.waitForFunction(() => document.querySelectorAll('table.audit tbody tr').length === 1);
    expect(await page.locator('table.audit tbody tr td:nth-child(4)').allTextContents()).toEqual(['tokens.rotate']);
    await page.getByLabel('Actor').fill('tok_nobody');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No entries match these filters.').waitFor();
    await page.context().close();
  });

  it('pages the audit log by cursor, and shows the chain broken once an entry is changed in the database', async () => {
    for (let i = 0; i < 60; i++)
      expect(
        (await kin.admin('/v1/sources', { method: 'POST', body: JSON.stringify({ name: `page-src-${i}` }), headers: json })).status,
      ).toBe(201);
    const total = ((await (await kin.admin('/v1/audit/verify')).json()) as { entries: number }).entries;
    expect(total).toBeGreaterThan(60);
    const page = await signIn((await mint('auditor', ['audit:read'])).secret);
    expect(await navLabels(page)).toContain('Audit');
    expect(await navLabels(page)).not.toContain('Tokens');
    await page.goto(kin.url + '/audit');
    const seqs = () => page.locator('table.audit tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
    await page.locator('table.audit tbody tr').first().waitFor();
    expect(await seqs()).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await page.getByRole('button', { name: 'Newer entries' }).click();
    await page.locator('tr[data-seq="51"]').waitFor();
    const second = await seqs();
    expect(second[0]).toBe(51);
    await page.getByRole('button', { name: 'Back' }).click();
    await page.locator('tr[data-seq="1"]').waitFor();

    const db = new Database(kin.dbPath);
    try {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare(`UPDATE audit_log SET target = target || 'x' WHERE seq = 7`).run();
    } finally {
      db.close();
    }
    await page.getByRole('button', { name: 'verify again' }).click();
    await page.locator('[data-chain="broken"]').waitFor();
    expect(await page.locator('[data-chain]').textContent()).toContain('chain broken at seq 7');
    await page.context().close();
  });

  it('a token without tokens:write or audit:read sees neither page, and is told which scope it needs', async () => {
    const page = await signIn((await mint('reader', ['profiles:read'])).secret);
    const nav = await navLabels(page);
    for (const hidden of ['Tokens', 'Audit']) expect(nav).not.toContain(hidden);
    await page.goto(kin.url + '/tokens');
    await page.getByText('it needs the tokens:write scope').waitFor();
    await page.goto(kin.url + '/audit');
    await page.getByText('it needs the audit:read scope').waitFor();
    await page.context().close();
  });
});
