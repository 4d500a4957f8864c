import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';
import { MODES, startBlackBox, USER_SCHEMA, type BlackBox } from '../blackbox/harness.js';
import { expectAccessible as expectAccessibleOf, launchChromium, screenshot } from './chromium.js';

// An operator's path through the console (issue 14): sign in with the admin token, create a
// tenant, subscribe a webhook whose endpoint fails, see the failed delivery, and replay it once the
// endpoint works. In Debian's Chromium, against the built service over TCP, in both database modes.

describe.each(MODES)('the operator console in Chromium (%s database)', (mode) => {
  let box: BlackBox;
  let sink: WebhookSink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [box, sink, browser] = await Promise.all([
      // A delivery gives up after a second of failures, so the test sees one fail for good.
      startBlackBox(mode, { env: { WEBHOOK_RETRY_WINDOW_SECONDS: '1', WEBHOOK_RETRY_BASE_MS: '50' } }),
      webhookSink(),
      launchChromium(),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // Each confirmation the console asks for is answered as an operator would.
    page.on('dialog', (dialog) => {
      void dialog.accept(dialog.type() === 'prompt' ? 'console-acme' : undefined);
    });
  });
  afterAll(async () => {
    await context.close();
    await browser.close();
    await Promise.all([sink.close(), box.stop()]);
  });

  const shot = (name: string) => screenshot(page, mode, name);
  const expectAccessible = (screen: string) => expectAccessibleOf(page, screen);

  it('refuses a wrong admin token, and keeps the right one out of the browser', async () => {
    await page.goto(`${box.url}/console/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The alert region is there from the start, empty until the answer comes.
    await expect.poll(async () => page.getByRole('alert').textContent()).toBe('That is not the admin token.');
    await expectAccessible('sign in');

    await page.getByLabel('Admin token').fill(box.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    const cookies = await context.cookies(box.url);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['scim_console', true, 'Strict']]);
    expect(cookies[0]?.value).not.toContain(box.adminToken);
    const stored = await page.evaluate<string>('JSON.stringify([localStorage, sessionStorage])');
    expect(stored).not.toContain(box.adminToken);
  });

  it('creates a tenant, sees a webhook fail for good, and replays the failed delivery', async () => {
    await page.getByLabel('Id (a–z, 0–9, -)').fill('console-acme');
    await page.getByLabel('Name', { exact: true }).fill('Acme Console');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: /Acme Console/ }).waitFor();
    await expectAccessible('tenant settings');
    await shot('console-tenant');

    // The policy for agents whose last owner is deprovisioned (docs/agents.md).
    await page.getByLabel('Agents whose last owner is deprovisioned').selectOption('keep');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(async () => {
        const settings = await box.admin('GET', '/admin/v1/tenants/console-acme');
        return (settings.json as { ownerlessAgents: string }).ownerlessAgents;
      })
      .toBe('keep');

    // Declare the extension its identity provider will send (docs/schemas.md).
    const urn = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    await page.getByRole('tab', { name: 'Schemas and mapping' }).click();
    await page.getByText('(the default)').waitFor();
    await page
      .getByLabel(/Add or replace an extension/)
      .fill(JSON.stringify({ id: urn, resourceType: 'User', name: 'Acme', attributes: [{ name: 'costCenter' }] }));
    await page.getByRole('button', { name: 'Save extension' }).click();
    await page.getByRole('button', { name: `Remove ${urn}` }).waitFor();
    const declared = await box.admin('GET', '/admin/v1/tenants/console-acme/schemas');
    expect((declared.json as { extensions: { id: string }[] }).extensions.map((x) => x.id)).toEqual([urn]);
    await expectAccessible('schemas and mapping');
    await shot('console-schemas');

    // The endpoint fails every delivery until told otherwise.
    let failing = true;
    sink.respond = () => (failing ? 500 : 204);
    await page.getByRole('tab', { name: 'Webhooks' }).click();
    await page.getByLabel('Endpoint URL').fill(sink.url);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await expect
      .poll(async () => page.locator('#webhook-status').textContent())
      .toMatch(/^Subscribed\. Its signing secret \(shown once\): whsec_/);

    // A user arrives over SCIM, with a token the admin API issued.
    const issued = await box.admin('POST', '/admin/v1/tenants/console-acme/tokens', { description: 'test' });
    const token = (issued.json as { token: string }).token;
    const created = await fetch(`${box.url}/scim/v2/console-acme/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'replay@console.test' }),
    });
    expect(created.status).toBe(201);

    const replayButton = page.getByRole('button', { name: 'Replay event 1' });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return replayButton.count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await expect(page.locator('.webhook .failures li').first().textContent()).resolves.toMatch(/^\s*Event 1: .*500/);
    await expectAccessible('webhooks with a failed delivery');
    await shot('console-webhooks');

    failing = false;
    const before = sink.deliveries.length;
    await replayButton.click();
    await expect
      .poll(async () => page.locator('#webhook-status').textContent(), { timeout: 10_000 })
      .toBe('Replayed: delivered (204).');
    const replayed = sink.deliveries.slice(before).find((d) => d.status === 204);
    expect(JSON.parse(replayed?.body ?? '{}')).toMatchObject({ type: 'user.created', sequence: 1 });
    await expect.poll(async () => page.locator('.webhook .failures li').first().textContent()).toMatch(/replayed/);
  });

  it('filters the request log, shows a user’s timeline and the delivery health, and deletes the tenant after confirmation', async () => {
    await page.getByRole('tab', { name: 'Request log' }).click();
    await expect
      .poll(
        async () => {
          await page.getByLabel('Status').fill('201');
          await page.getByLabel('Status').press('Enter');
          return page.locator('table.list tbody tr').count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    await expect(page.locator('table.list tbody tr').first().textContent()).resolves.toMatch(
      /POST \/scim\/v2\/console-acme\/Users201/,
    );
    await expectAccessible('request log');
    await shot('console-requests');

    const users = await box.admin('GET', '/admin/v1/tenants/console-acme/events?limit=10');
    const userId = (users.json as { events: { resourceId: string }[] }).events[0]?.resourceId ?? '';
    await page.getByRole('tab', { name: 'User timeline' }).click();
    await page.getByLabel('User or group id').fill(userId);
    await page.getByRole('button', { name: 'Show its changes' }).click();
    await expect(page.locator('.timeline li').first().textContent()).resolves.toMatch(/^\s*user\.created · event 1/);
    await shot('console-timeline');

    await page.getByRole('button', { name: 'Health' }).click();
    await page.getByRole('heading', { name: 'Event delivery' }).waitFor();
    await expectAccessible('health');
    await shot('console-health');

    await page.getByRole('button', { name: 'Tenants' }).click();
    await page.getByRole('button', { name: /Acme Console/ }).click();
    await page.getByRole('button', { name: 'Delete this tenant' }).click();
    await expect.poll(async () => (await box.admin('GET', '/admin/v1/tenants/console-acme')).status).toBe(404);
  });
});
