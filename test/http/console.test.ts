import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import { scimTenant, USER_SCHEMA } from '../helpers/scim.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function signIn(adminToken = t.adminToken) {
  const res = await t.app.inject({ method: 'POST', url: '/console/api/session', payload: { adminToken } });
  const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  return { res, cookie, csrf: res.statusCode === 201 ? res.json<{ csrfToken: string }>().csrfToken : '' };
}

describe('the operators’ console session', () => {
  it('trades the admin token for an HttpOnly, SameSite=Strict cookie that works the admin API', async () => {
    const { res, cookie, csrf } = await signIn();
    expect(res.statusCode).toBe(201);
    expect(String(res.headers['set-cookie'])).toMatch(
      /^__Host-scim_console=v1\.[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
    );
    // Eight hours, less the milliseconds the answer took.
    expect(Number(/Max-Age=(\d+)/.exec(String(res.headers['set-cookie']))?.[1])).toBeGreaterThanOrEqual(28_799);
    expect(String(res.headers['set-cookie'])).not.toContain(t.adminToken);
    const listed = await t.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: { cookie } });
    expect(listed.statusCode).toBe(200);
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/tenants',
      headers: { cookie, 'x-csrf-token': csrf, origin: new URL(PUBLIC_URL).origin },
      payload: { id: 'from-console', name: 'From the console' },
    });
    expect(created.statusCode, created.body).toBe(201);
  });

  it('refuses a wrong admin token, a forged cookie, and a change without the CSRF token or from another origin', async () => {
    expect((await signIn('wrong-admin-token')).res.statusCode).toBe(401);
    const { cookie, csrf } = await signIn();
    const forged = await t.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: { cookie: `${cookie}x` } });
    expect(forged.statusCode).toBe(401);
    // A cookie of the same name set by a sibling site, sent first, does not shadow the real one.
    const shadowed = await t.app.inject({
      method: 'GET',
      url: '/admin/v1/tenants',
      headers: { cookie: `__Host-scim_console=v1.planted.x; ${cookie}` },
    });
    expect(shadowed.statusCode).toBe(200);
    const change = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/admin/v1/tenants',
        headers: { cookie, ...headers },
        payload: { id: 'csrf-x', name: 'x' },
      });
    expect((await change({})).statusCode).toBe(403);
    expect((await change({ 'x-csrf-token': 'guess' })).statusCode).toBe(403);
    expect((await change({ 'x-csrf-token': csrf, origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await change({ 'x-csrf-token': csrf, 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
    // A console cookie is no SCIM token, and a portal's cookie no console session.
    const tenant = await scimTenant(t, 'console-scim');
    const scim = await t.app.inject({
      method: 'GET',
      url: `/scim/v2/${tenant.tenantId}/Users`,
      headers: { authorization: `Bearer ${cookie.replace('__Host-scim_console=', '')}` },
    });
    expect(scim.statusCode).toBe(401);
  });

  it('holds on every replica sharing the secrets, and ends when ADMIN_TOKEN changes', async () => {
    const { cookie } = await signIn();
    const jwtSecret = t.env['JWT_SECRET'] ?? '';
    const replica = await createTestApp({
      database: t.database,
      env: { JWT_SECRET: jwtSecret, ADMIN_TOKEN: t.adminToken },
    });
    const rotated = await createTestApp({ database: t.database, env: { JWT_SECRET: jwtSecret } });
    try {
      const on = (app: TestApp) => app.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: { cookie } });
      expect((await on(replica)).statusCode).toBe(200);
      expect((await on(rotated)).statusCode).toBe(401);
    } finally {
      await Promise.all([replica.close(), rotated.close()]);
    }
  });

  it('signs out by clearing the cookie; the page is served under the strict policy', async () => {
    const out = await t.app.inject({ method: 'DELETE', url: '/console/api/session' });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(
      /^__Host-scim_console=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/,
    );
    // The API docs on the same origin run under a policy of their own, unframed.
    const docs = await t.app.inject({ method: 'GET', url: '/docs/static/index.html' });
    expect(docs.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    const page = await t.app.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'/);
  });
});

describe('what the console reads from the admin API', () => {
  const admin = (url: string) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });

  it('filters the request log by provider and time', async () => {
    const tenant = await scimTenant(t, 'console-log');
    // A second back: a request's receivedAt is its response time less its duration, in whole ms.
    const start = new Date(Date.now() - 1000);
    await tenant.call(
      'POST',
      '/Users',
      { schemas: [USER_SCHEMA], userName: 'okta@log.test' },
      { 'user-agent': 'Okta SCIM Client 1.0.0' },
    );
    await tenant.call(
      'POST',
      '/Users',
      { schemas: [USER_SCHEMA], userName: 'entra@log.test' },
      { 'user-agent': 'Azure AD SCIM Client' },
    );
    await t.deps.requestLog.flush();
    const base = `/admin/v1/tenants/${tenant.tenantId}/requests`;
    const paths = async (query: string) =>
      (await admin(`${base}?${query}`)).json<{ requests: { provider: string }[] }>().requests.map((r) => r.provider);
    expect(await paths('provider=okta')).toEqual(['okta']);
    expect(await paths('provider=entra')).toEqual(['entra']);
    expect((await paths(`since=${encodeURIComponent(start.toISOString())}`)).sort()).toEqual(['entra', 'okta']);
    expect(await paths(`until=${encodeURIComponent(start.toISOString())}`)).toEqual([]);
    expect((await admin(`${base}?provider=nobody`)).statusCode).toBe(400);
    expect((await admin(`${base}?since=yesterday`)).statusCode).toBe(400);
  });

  it('reads one user’s change events in order, and delivery health across tenants', async () => {
    const tenant = await scimTenant(t, 'console-timeline');
    const user = await tenant.createUser({ userName: 'timeline@console.test' });
    await tenant.call('PATCH', `/Users/${user.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }],
    });
    await tenant.createUser({ userName: 'someone-else@console.test' });
    const timeline = await admin(`/admin/v1/tenants/${tenant.tenantId}/resources/${user.id.toUpperCase()}/events`);
    expect(timeline.statusCode).toBe(200);
    const events = timeline.json<{ events: { type: string; sequence: number; changedAttributes: string[] }[] }>()
      .events;
    expect(events.map((e) => [e.type, e.sequence])).toEqual([
      ['user.created', 1],
      ['user.updated', 2],
    ]);
    expect(events[1]?.changedAttributes).toEqual(['title']);
    expect((await admin(`/admin/v1/tenants/no-such/resources/${user.id}/events`)).statusCode).toBe(404);

    const health = await admin('/admin/v1/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({
      oldestUndeliveredAgeSeconds: expect.any(Number) as number,
      unnumberedEvents: expect.any(Number) as number,
      failingSubscriptions: expect.any(Number) as number,
      disabledSubscriptions: expect.any(Number) as number,
    });
  });
});
