import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import { adminClient } from '../helpers/admin.js';
import { scimClient, scimTenant, USER_SCHEMA } from '../helpers/scim.js';

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

interface Link {
  id: string;
  url: string;
  expiresAt: string;
}

async function newLink(tenantId: string, body: Record<string, unknown> = {}): Promise<Link> {
  const res = await admin.call('POST', `/admin/v1/tenants/${tenantId}/portal-links`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Link>();
}

const secretOf = (link: Link) => new URL(link.url).hash.replace('#link=', '');

/** A browser of one tenant's portal: it keeps the session cookie and the CSRF token. */
class PortalBrowser {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(readonly tenantId: string) {}

  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ) {
    const res = await t.app.inject({
      method,
      url: `/portal/${this.tenantId}/api/${path}`,
      headers: {
        ...(this.cookie === undefined ? {} : { cookie: this.cookie }),
        ...(method === 'GET' || this.csrf === undefined ? {} : { 'x-csrf-token': this.csrf }),
        ...extra,
      },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    const set = res.headers['set-cookie'];
    if (typeof set === 'string') this.cookie = set.split(';')[0];
    return res;
  }

  async open(link: Link): Promise<LightMyRequestResponse> {
    const res = await this.call('POST', 'session', { link: secretOf(link) });
    if (res.statusCode === 201) this.csrf = res.json<{ csrfToken: string }>().csrfToken;
    return res;
  }
}

describe('setup links (admin API)', () => {
  it('creates a link to the tenant’s portal with the secret in the fragment, lists it without it, and revokes it', async () => {
    const scim = await scimTenant(t, 'links');
    const before = Date.now();
    const link = await newLink(scim.tenantId);
    expect(link.url).toMatch(new RegExp(`^${PUBLIC_URL}/portal/${scim.tenantId}/#link=spl_[A-Za-z0-9_-]{43}$`));
    // A day by default.
    expect(Date.parse(link.expiresAt) - before).toBeGreaterThanOrEqual(1439 * 60_000);
    expect(Date.parse(link.expiresAt) - before).toBeLessThanOrEqual(1441 * 60_000);

    const listed = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/portal-links`);
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(secretOf(link));
    expect(listed.json<{ links: { id: string; revokedAt: string | null }[] }>().links).toEqual([
      expect.objectContaining({ id: link.id, revokedAt: null, allowSettings: false }),
    ]);
    // Only the secret's hash is stored.
    const stored = await t.deps.db.$queryRawUnsafe<{ secret_hash: string }[]>(
      'SELECT secret_hash FROM portal_links WHERE tenant_id = $1',
      scim.tenantId,
    );
    expect(stored[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(secretOf(link));

    const revoked = await admin.call('DELETE', `/admin/v1/tenants/${scim.tenantId}/portal-links/${link.id}`);
    expect(revoked.statusCode).toBe(204);
    const missing = await admin.call(
      'DELETE',
      `/admin/v1/tenants/${scim.tenantId}/portal-links/${crypto.randomUUID()}`,
    );
    expect(missing.statusCode).toBe(404);
  });

  it('takes 5 to 10080 minutes, and refuses other values and other fields', async () => {
    const scim = await scimTenant(t, 'links-bounds');
    for (const expiresInMinutes of [5, 10_080]) await newLink(scim.tenantId, { expiresInMinutes });
    for (const body of [
      { expiresInMinutes: 4 },
      { expiresInMinutes: 10_081 },
      { expiresInMinutes: 1.5 },
      { token: 'x' },
    ]) {
      const res = await admin.call('POST', `/admin/v1/tenants/${scim.tenantId}/portal-links`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await admin.call('POST', '/admin/v1/tenants/no-such-tenant/portal-links', {})).statusCode).toBe(404);
  });

  it('is refused without the admin token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/tenants/x/portal-links', payload: {} });
    expect(res.statusCode).toBe(401);
  });
});

describe('the setup portal’s session', () => {
  it('trades a link for an HttpOnly, SameSite=Strict cookie scoped to the tenant’s portal that ends with the link', async () => {
    const scim = await scimTenant(t, 'portal-cookie');
    const link = await newLink(scim.tenantId, { expiresInMinutes: 60 });
    const browser = new PortalBrowser(scim.tenantId);
    const opened = await browser.open(link);
    expect(opened.statusCode, opened.body).toBe(201);
    const cookie = String(opened.headers['set-cookie']);
    expect(cookie).toMatch(
      /^scim_portal=v1\.[^;]+; Path=\/portal\/[a-z0-9-]+\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
    );
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
    expect(maxAge).toBeGreaterThan(3590);
    expect(maxAge).toBeLessThanOrEqual(3600);
    // The cookie carries no link secret.
    expect(cookie).not.toContain(secretOf(link));
    expect(opened.json()).toMatchObject({
      tenant: { id: scim.tenantId },
      scimBaseUrl: `${PUBLIC_URL}/scim/v2/${scim.tenantId}`,
      allowSettings: false,
      expiresAt: link.expiresAt,
    });
    expect((await browser.call('GET', 'session')).statusCode).toBe(200);
    expect((await browser.call('GET', 'overview')).headers['cache-control']).toBe('no-store');
  });

  it('refuses an expired link, a revoked one, and the sessions they opened', async () => {
    const scim = await scimTenant(t, 'portal-refused');
    const revokedLink = await newLink(scim.tenantId);
    const browser = new PortalBrowser(scim.tenantId);
    expect((await browser.open(revokedLink)).statusCode).toBe(201);
    await admin.call('DELETE', `/admin/v1/tenants/${scim.tenantId}/portal-links/${revokedLink.id}`);
    expect((await browser.call('GET', 'overview')).statusCode).toBe(401);
    expect((await new PortalBrowser(scim.tenantId).open(revokedLink)).statusCode).toBe(401);

    const expiring = await newLink(scim.tenantId, { expiresInMinutes: 5 });
    const later = new PortalBrowser(scim.tenantId);
    expect((await later.open(expiring)).statusCode).toBe(201);
    vi.useFakeTimers({ now: Date.parse(expiring.expiresAt) + 1000, toFake: ['Date'] });
    try {
      expect((await later.call('GET', 'overview')).statusCode).toBe(401);
      expect((await new PortalBrowser(scim.tenantId).open(expiring)).statusCode).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never opens or serves another tenant’s portal with one tenant’s link or cookie', async () => {
    const mine = await scimTenant(t, 'portal-mine');
    const theirs = await scimTenant(t, 'portal-theirs');
    const link = await newLink(mine.tenantId);
    // My link on their portal.
    expect((await new PortalBrowser(theirs.tenantId).open(link)).statusCode).toBe(401);
    // My session's cookie sent to their portal's API.
    const browser = new PortalBrowser(mine.tenantId);
    await browser.open(link);
    const stolen = new PortalBrowser(theirs.tenantId);
    stolen.cookie = browser.cookie;
    stolen.csrf = browser.csrf;
    expect((await stolen.call('GET', 'overview')).statusCode).toBe(401);
    expect((await stolen.call('POST', 'tokens', {})).statusCode).toBe(401);
    // Nor does the portal's session reach the admin API or SCIM.
    const adminWithCookie = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/tenants/${mine.tenantId}`,
      headers: { cookie: browser.cookie ?? '' },
    });
    expect(adminWithCookie.statusCode).toBe(401);
    const scimWithSession = await t.app.inject({
      method: 'GET',
      url: `/scim/v2/${mine.tenantId}/Users`,
      headers: { authorization: `Bearer ${(browser.cookie ?? '').replace('scim_portal=', '')}` },
    });
    expect(scimWithSession.statusCode).toBe(401);
  });

  it('refuses a forged or altered session, a malformed link, and a change without the CSRF token or from another origin', async () => {
    const scim = await scimTenant(t, 'portal-csrf');
    const browser = new PortalBrowser(scim.tenantId);
    await browser.open(await newLink(scim.tenantId));
    const forged = new PortalBrowser(scim.tenantId);
    forged.cookie = `${browser.cookie ?? ''}x`;
    expect((await forged.call('GET', 'overview')).statusCode).toBe(401);
    // A planted cookie of the same name, sent first, does not shadow the real session.
    const shadowed = new PortalBrowser(scim.tenantId);
    shadowed.cookie = `scim_portal=v1.planted.x; ${browser.cookie ?? ''}`;
    expect((await shadowed.call('GET', 'overview')).statusCode).toBe(200);
    expect((await new PortalBrowser(scim.tenantId).call('POST', 'session', { link: 'spl_guess' })).statusCode).toBe(
      401,
    );
    expect((await new PortalBrowser(scim.tenantId).call('GET', 'overview')).statusCode).toBe(401);

    const csrf = browser.csrf;
    browser.csrf = undefined;
    expect((await browser.call('POST', 'tokens', {})).statusCode).toBe(403);
    browser.csrf = 'not-the-token';
    expect((await browser.call('POST', 'tokens', {})).statusCode).toBe(403);
    browser.csrf = csrf;
    expect((await browser.call('POST', 'tokens', {}, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await browser.call('POST', 'tokens', {}, { origin: new URL(PUBLIC_URL).origin })).statusCode).toBe(201);
  });
});

describe('what the setup portal does', () => {
  it('issues a SCIM token shown once that provisions, rotates it and revokes it', async () => {
    const tenant = await scimTenant(t, 'portal-tokens');
    const browser = new PortalBrowser(tenant.tenantId);
    await browser.open(await newLink(tenant.tenantId));
    const issued = await browser.call('POST', 'tokens', { description: 'Entra ID' });
    expect(issued.statusCode).toBe(201);
    const { id, token } = issued.json<{ id: string; token: string }>();
    const viaPortal = scimClient(t.app, tenant.tenantId, token, tenant.base);
    expect(
      (await viaPortal.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'p@portal.test' })).statusCode,
    ).toBe(201);
    // Listed without its secret.
    const listed = await browser.call('GET', 'tokens');
    expect(listed.body).not.toContain(token);
    expect(listed.json<{ tokens: { id: string }[] }>().tokens.map((x) => x.id)).toContain(id);

    const rotated = await browser.call('POST', `tokens/${id}/rotate`);
    expect(rotated.statusCode).toBe(201);
    const next = rotated.json<{ id: string; token: string; description: string }>();
    expect(next.description).toBe('Entra ID');
    await vi.waitFor(
      async () => {
        expect((await viaPortal.call('GET', '/Users')).statusCode).toBe(401);
      },
      {
        timeout: 5000,
      },
    );
    const rotatedClient = scimClient(t.app, tenant.tenantId, next.token, tenant.base);
    expect((await rotatedClient.call('GET', '/Users')).statusCode).toBe(200);

    expect((await browser.call('DELETE', `tokens/${next.id}`)).statusCode).toBe(204);
    await vi.waitFor(
      async () => {
        expect((await rotatedClient.call('GET', '/Users')).statusCode).toBe(401);
      },
      {
        timeout: 5000,
      },
    );
  });

  it('rotates a token into one with the same scopes and expiry, and stops issuing at 20 active tokens', async () => {
    const tenant = await scimTenant(t, 'portal-rotate');
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const readOnly = await admin.issueToken(tenant.tenantId, {
      description: 'audit',
      scopes: ['scim:read'],
      expiresAt,
    });
    const browser = new PortalBrowser(tenant.tenantId);
    await browser.open(await newLink(tenant.tenantId));
    const rotated = await browser.call('POST', `tokens/${readOnly.id}/rotate`);
    expect(rotated.statusCode).toBe(201);
    expect(rotated.json()).toMatchObject({
      description: 'audit',
      scopes: ['scim:read'],
      expiresAt: expect.stringMatching(/^\d{4}-/) as string,
    });
    expect(Date.parse(rotated.json<{ expiresAt: string }>().expiresAt)).toBe(Date.parse(expiresAt));

    // The tenant holds the rotated one and the scim tenant's own: 18 more reach the cap.
    for (let n = 0; n < 18; n++) await admin.issueToken(tenant.tenantId);
    const capped = await browser.call('POST', 'tokens', {});
    expect(capped.statusCode).toBe(409);
    expect(capped.json<{ message: string }>().message).toMatch(/20 active tokens/);
  });

  it('shows counts, the last request and whether it authenticated, and explains refused requests in plain words', async () => {
    const tenant = await scimTenant(t, 'portal-status');
    const browser = new PortalBrowser(tenant.tenantId);
    await browser.open(await newLink(tenant.tenantId));
    const empty = (await browser.call('GET', 'overview')).json<Record<string, unknown>>();
    expect(empty).toEqual({ users: 0, groups: 0, lastAuthenticated: null, lastRefused: null, lastActivity: null });

    const entra = { 'user-agent': 'Azure AD SCIM Client' };
    await tenant.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ada@status.test' }, entra);
    await tenant.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ada@status.test' }, entra);
    await tenant.call(
      'POST',
      '/Users',
      {
        schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:acme:2.0:User'],
        userName: 'bob@status.test',
        'urn:ietf:params:scim:schemas:extension:acme:2.0:User': { costCenter: '42' },
      },
      entra,
    );
    // A request with a bad token to this tenant's URL: recorded for the connection test.
    await t.app.inject({
      method: 'GET',
      url: `/scim/v2/${tenant.tenantId}/Users`,
      headers: { authorization: 'Bearer not-a-token', 'user-agent': 'Okta SCIM Client 1.0.0' },
    });
    await t.deps.requestLog.flush();
    await t.deps.authFailures.flush();

    const overview = (await browser.call('GET', 'overview')).json<{
      users: number;
      lastAuthenticated: { provider: string; status: number } | null;
      lastRefused: { provider: string; reason: string } | null;
      lastActivity: { method: string; status: number } | null;
    }>();
    expect(overview.users).toBe(1);
    expect(overview.lastAuthenticated).toMatchObject({ provider: 'Entra ID', status: 400 });
    expect(overview.lastActivity).toMatchObject({ method: 'POST', status: 201 });
    expect(overview.lastRefused).toMatchObject({ provider: 'Okta' });
    expect(overview.lastRefused?.reason).toMatch(/not valid/);

    const failures = (await browser.call('GET', 'failures')).json<{
      failures: { summary: string; fix: string; status: number }[];
    }>().failures;
    expect(failures.map((f) => f.status)).toEqual([400, 409]);
    expect(failures[0]?.summary).toMatch(
      /^Entra ID sent the attribute `urn:ietf:params:scim:schemas:extension:acme:2\.0:User(:costCenter)?`, which this application does not define\.$|^Entra ID sent a user marked with the schema/,
    );
    expect(failures[0]?.fix).toMatch(/attribute mapping/);
    expect(failures[1]?.summary).toBe(
      'Entra ID sent a user with a userName that is already used by another user of this application.',
    );
  });

  it('keeps MCP tool calls out of the provider’s connection status and its refused requests', async () => {
    const tenant = await scimTenant(t, 'portal-mcp');
    const browser = new PortalBrowser(tenant.tenantId);
    await browser.open(await newLink(tenant.tenantId));
    await tenant.call('GET', '/Users', undefined, { 'user-agent': 'Okta SCIM Client 1.0.0' });
    for (const status of [200, 400]) {
      t.deps.requestLog.record({
        tenantId: tenant.tenantId,
        receivedAt: new Date(),
        method: 'MCP',
        path: 'tools/call search_users',
        status,
        durationMs: 1,
        provider: 'mcp',
        rules: [],
        requestId: crypto.randomUUID(),
        requestBody: undefined,
        responseBody: undefined,
        caller: 'SCIM token x',
      });
    }
    await t.deps.requestLog.flush();
    const overview = (await browser.call('GET', 'overview')).json<{
      lastAuthenticated: { method: string; provider: string };
    }>();
    expect(overview.lastAuthenticated).toMatchObject({ method: 'GET', provider: 'Okta' });
    expect((await browser.call('GET', 'failures')).json<{ failures: unknown[] }>().failures).toEqual([]);
  });

  it('shows a provider’s guide with the tenant’s base URL in place of the example', async () => {
    const tenant = await scimTenant(t, 'portal-guide');
    const browser = new PortalBrowser(tenant.tenantId);
    await browser.open(await newLink(tenant.tenantId));
    const guide = await browser.call('GET', 'guides/entra');
    expect(guide.statusCode, guide.body).toBe(200);
    const { html } = guide.json<{ html: string }>();
    expect(html).toContain(`${PUBLIC_URL}/scim/v2/${tenant.tenantId}`);
    expect(html).not.toContain('https://scim.example.com/scim/v2/acme');
    expect(html).not.toMatch(/<script/i);
    expect((await browser.call('GET', 'guides/nope')).statusCode).toBe(400);
  });

  it('changes the provider and delete policy only when the link allows it', async () => {
    const tenant = await scimTenant(t, 'portal-settings');
    const plain = new PortalBrowser(tenant.tenantId);
    await plain.open(await newLink(tenant.tenantId));
    expect((await plain.call('PATCH', 'settings', { deletePolicy: 'deactivate' })).statusCode).toBe(403);
    const allowed = new PortalBrowser(tenant.tenantId);
    await allowed.open(await newLink(tenant.tenantId, { allowSettings: true }));
    const changed = await allowed.call('PATCH', 'settings', { provider: 'entra', deletePolicy: 'deactivate' });
    expect(changed.statusCode, changed.body).toBe(200);
    const tenantNow = await admin.call('GET', `/admin/v1/tenants/${tenant.tenantId}`);
    expect(tenantNow.json()).toMatchObject({ provider: 'entra', deletePolicy: 'deactivate' });
    expect((await allowed.call('PATCH', 'settings', { deletePolicy: 'shred' })).statusCode).toBe(400);
  });

  it('serves its page with a strict Content-Security-Policy, for any tenant id, revealing none', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/portal/whoever/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).not.toMatch(/<script>(?!<\/script>)|style=/);
    const asset = /src="(\/web\/assets\/[^"]+\.js)"/.exec(page.body)?.[1] ?? '';
    const js = await t.app.inject({ method: 'GET', url: asset });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await t.app.inject({ method: 'GET', url: '/web/assets/../../package.json' })).statusCode).toBe(404);
    const bare = await t.app.inject({ method: 'GET', url: '/portal/whoever' });
    expect(bare.statusCode).toBe(308);
    expect(bare.headers.location).toBe('/portal/whoever/');
  });
});
