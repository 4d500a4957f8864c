import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODES, startBlackBox, USER_SCHEMA, type BlackBox, type Tenant } from '../blackbox/harness.js';
import { expectAccessible as expectAccessibleOf, launchChromium, screenshot } from './chromium.js';

// The IT admin's whole path through the setup portal (issue 14), in Debian's Chromium, against the
// built service over TCP in both database modes. Screenshots of each screen are taken on every
// run; SCREENSHOTS=docs copies the server mode's into docs/images (npm run screenshots).

const ENTRA = { 'user-agent': 'Azure AD SCIM Client' };

describe.each(MODES)('the setup portal in Chromium (%s database)', (mode) => {
  let box: BlackBox;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let tenant: Tenant;

  beforeAll(async () => {
    [box, browser] = await Promise.all([startBlackBox(mode, { env: { BRAND_NAME: 'Acme HR' } }), launchChromium()]);
    tenant = await box.tenant();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: box.url });
    page = await context.newPage();
  });
  afterAll(async () => {
    await context.close();
    await browser.close();
    await box.stop();
  });

  const newLink = async (tenantId: string, body: Record<string, unknown> = {}) => {
    const created = await box.admin('POST', `/admin/v1/tenants/${tenantId}/portal-links`, body);
    expect(created.status, created.text).toBe(201);
    return created.json as { id: string; url: string };
  };
  const shot = (name: string) => screenshot(page, mode, name);
  const expectAccessible = (screen: string) => expectAccessibleOf(page, screen);

  it('takes an IT admin from a setup link to a provisioned user: choose Entra ID, copy the base URL, generate a token', async () => {
    const link = await newLink(tenant.id);
    await page.goto(link.url);
    await page.getByRole('heading', { name: 'Connect your identity provider' }).waitFor();
    // The secret left the address bar once it was traded for the session cookie.
    expect(page.url()).toBe(`${box.url}/portal/${tenant.id}/`);
    const cookies = await context.cookies(`${box.url}/portal/${tenant.id}/`);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.secure])).toEqual([
      ['scim_portal', true, 'Strict', false],
    ]);
    await expect(page.locator('header .brand').textContent()).resolves.toBe('Acme HR');

    await page.getByLabel('Microsoft Entra ID').check();
    await page.getByRole('heading', { name: 'Microsoft Entra ID' }).waitFor();
    // The guide shows this tenant's base URL where it shows the example.
    const guide = await page.locator('.guide').textContent();
    expect(guide).toContain(tenant.base);
    expect(guide).not.toContain('scim.example.com');
    await page.getByRole('button', { name: 'Copy', exact: true }).first().click();
    // The page's own clipboard, read in the page (the test runs in Node, without DOM types).
    await expect(page.evaluate<string>('navigator.clipboard.readText()')).resolves.toBe(tenant.base);
    await expectAccessible('set up');
    await shot('portal-setup');

    await page.getByRole('tab', { name: 'Tokens' }).click();
    await page.getByRole('button', { name: 'Generate a token' }).click();
    const tokenField = page.getByLabel('Your new token (shown only now)');
    await tokenField.waitFor();
    const token = await tokenField.inputValue();
    expect(token.length).toBeGreaterThan(40);
    await expectAccessible('tokens');
    await shot('portal-tokens');

    // The IT admin pasted the token into Entra ID, which now provisions a user with it.
    const created = await fetch(`${tenant.base}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...ENTRA },
      body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'grace@portal.test' }),
    });
    expect(created.status).toBe(201);

    await page.getByRole('tab', { name: 'Status' }).click();
    // The request log is written in batches (every 500 ms): refresh until the request shows.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          // As read aloud or seen: whitespace collapsed.
          return (await page.locator('#connection').textContent())?.replace(/\s+/g, ' ');
        },
        { timeout: 10_000 },
      )
      .toMatch(/The last request that authenticated came .* from Entra ID: POST \/scim\/v2\/.*\/Users, answered 201\./);
    await expect(page.locator('#user-count').textContent()).resolves.toBe('1');
    await expect(page.locator('#last-activity').textContent()).resolves.toMatch(/POST \/scim\/v2\/.*\/Users/);
    await expectAccessible('status');
  });

  it('explains a refused request in words an IT admin acts on', async () => {
    const refused = await box.scim(
      tenant,
      'POST',
      '/Users',
      {
        schemas: [USER_SCHEMA],
        userName: 'cost@portal.test',
        'urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter': '42',
      },
      ENTRA,
    );
    expect(refused.status).toBe(400);
    await page.getByRole('tab', { name: 'Status' }).click();
    const failure = page.locator('.failures li').first();
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (await page.locator('.failures li').count()) > 0 ? failure.locator('strong').textContent() : '';
        },
        { timeout: 10_000 },
      )
      .toMatch(
        /^Entra ID sent the attribute urn:ietf:params:scim:schemas:extension:acme:2\.0:User[:.]costCenter, which this application does not define\.$/,
      );
    await expect(failure.locator('strong code').textContent()).resolves.toMatch(
      /^urn:ietf:params:scim:schemas:extension:acme:2\.0:User[:.]costCenter$/,
    );
    await expect(failure.locator('.fix').textContent()).resolves.toBe(
      "Remove it from Entra ID's attribute mapping for this application or ask the vendor to add it.",
    );
    await expectAccessible('status with a refused request');
    await shot('portal-status');
  });

  it('refuses an expired or revoked link, and one tenant’s link on another tenant’s portal', async () => {
    const refusedPage = async (url: string) => {
      const other = await browser.newContext();
      const tab = await other.newPage();
      await tab.goto(url);
      await tab.getByRole('alert').waitFor();
      const text = await tab.getByRole('alert').textContent();
      const cookies = await other.cookies(url);
      await other.close();
      return { text, cookies };
    };
    const revoked = await newLink(tenant.id);
    expect((await box.admin('DELETE', `/admin/v1/tenants/${tenant.id}/portal-links/${revoked.id}`)).status).toBe(204);
    const afterRevoke = await refusedPage(revoked.url);
    expect(afterRevoke.text).toMatch(/This setup link is not valid: it may have expired or been revoked/);
    expect(afterRevoke.cookies).toEqual([]);

    // A link whose time is up is refused alike. The shortest a link lives is 5 minutes, so on the
    // server database its expiry is moved into the past from outside (the embedded database is
    // the service's own; test/http/portal.test.ts covers expiry there with a controlled clock).
    if (box.databaseUrl !== undefined) {
      const expired = await newLink(tenant.id);
      const db = new pg.Client({ connectionString: box.databaseUrl });
      await db.connect();
      await db.query(
        `UPDATE portal_links SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND id = $2`,
        [tenant.id, expired.id],
      );
      await db.end();
      expect((await refusedPage(expired.url)).text).toMatch(/This setup link is not valid/);
    }

    // One tenant's link on another tenant's portal.
    const other = await box.tenant();
    const theirs = await newLink(other.id);
    const mine = `${box.url}/portal/${tenant.id}/${new URL(theirs.url).hash}`;
    const crossed = await refusedPage(mine);
    expect(crossed.text).toMatch(/This setup link is not valid/);
    expect(crossed.cookies).toEqual([]);
  });
});
