import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { PATCH_SCHEMA, scimTenant } from '../helpers/scim.js';

// Provider profiles (issue 6, point 2): declared through the admin API or recognised from the
// request; every log line of a SCIM request names the provider; a metric counts rules by provider.

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

/** The providers a request's log lines name; every line, the first and last included, names one. */
const providerOfRequest = (reqId: string) => {
  const lines = t.logLines.filter((l) => l['reqId'] === reqId);
  expect(lines.map((l) => l['msg'])).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  return [...new Set(lines.map((l) => l['provider']))];
};

describe('provider profiles', () => {
  it('lets the operator declare, change and clear a tenant’s provider, and refuses an unknown one', async () => {
    const scim = await scimTenant(t, 'prof');
    const base = `/admin/v1/tenants/${scim.tenantId}`;
    expect((await admin.call('GET', base)).json()).toMatchObject({ provider: null });
    expect((await admin.call('PATCH', base, { provider: 'okta' })).json()).toMatchObject({ provider: 'okta' });
    expect((await admin.call('PATCH', base, { name: 'Renamed' })).json()).toMatchObject({
      name: 'Renamed',
      provider: 'okta',
    });
    expect((await admin.call('PATCH', base, { provider: null })).json()).toMatchObject({ provider: null });
    expect((await admin.call('PATCH', base, { provider: 'aol' })).statusCode).toBe(400);
    expect((await admin.call('PATCH', base, {})).statusCode).toBe(400);
    expect((await admin.call('PATCH', '/admin/v1/tenants/no-such', { provider: 'okta' })).statusCode).toBe(404);
  });

  it('names the provider on every log line of a SCIM request: declared, else by its headers, else generic', async () => {
    const scim = await scimTenant(t, 'proflog');
    const call = async (userAgent: string, headers: Record<string, string> = {}) => {
      const res = await scim.call('GET', '/Users', undefined, {
        'user-agent': userAgent,
        'x-request-id': `r-${Math.random()}`,
        ...headers,
      });
      expect(res.statusCode).toBe(200);
      return String(res.headers['x-request-id']);
    };
    expect(providerOfRequest(await call('Okta SCIM Client 1.0.0'))).toEqual(['okta']);
    expect(providerOfRequest(await call('Microsoft Azure Active Directory SCIM Client'))).toEqual(['entra']);
    expect(providerOfRequest(await call('curl/8.0'))).toEqual(['generic']);
    // Entra ID's client is known by the header it adds, whatever its User-Agent.
    const adscim = { ADSCIMVersion: 'Date: 2024-05-01, ActivityId: 7d8c0f3e' };
    expect(providerOfRequest(await call('', adscim))).toEqual(['entra']);
    // A request that fails authentication is named by its User-Agent.
    const refused = await t.app.inject({
      url: `/scim/v2/${scim.tenantId}/Users`,
      headers: { authorization: 'Bearer nope', 'user-agent': 'Okta SCIM Client 1.0.0', 'x-request-id': 'refused-1' },
    });
    expect(refused.statusCode).toBe(401);
    expect(providerOfRequest('refused-1')).toEqual(['okta']);
    await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, { provider: 'jumpcloud' });
    expect(providerOfRequest(await call('Okta SCIM Client 1.0.0'))).toEqual(['jumpcloud']);
  });

  it('counts the rules a provider’s requests needed, by rule and provider', async () => {
    const scim = await scimTenant(t, 'profmetric');
    const user = await scim.createUser({ userName: 'metric@prof.test' });
    const res = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
      { 'user-agent': 'Microsoft Azure Active Directory SCIM Client' },
    );
    expect(res.statusCode).toBe(200);
    const metrics = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(metrics.body).toContain('scim_compat_rules_total{rule="patch-op-case",provider="entra"} 1');
    expect(metrics.body).toContain('scim_compat_rules_total{rule="boolean-strings",provider="entra"} 1');
  });
});
