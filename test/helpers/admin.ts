import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

type Method = 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';

/** A small client for the admin API through inject(). */
export function adminClient(app: FastifyInstance, adminToken: string) {
  const call = (method: Method, url: string, payload?: unknown): Promise<LightMyRequestResponse> =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${adminToken}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  return {
    call,
    async createTenant(id: string, name = `Tenant ${id}`) {
      const res = await call('POST', '/admin/v1/tenants', { id, name });
      if (res.statusCode !== 201) throw new Error(`createTenant ${id}: ${res.statusCode} ${res.body}`);
      return res.json<{ id: string; scimBaseUrl: string }>();
    },
    async issueToken(tenantId: string, body: Record<string, unknown> = { description: 'test' }) {
      const res = await call('POST', `/admin/v1/tenants/${tenantId}/tokens`, body);
      if (res.statusCode !== 201) throw new Error(`issueToken ${tenantId}: ${res.statusCode} ${res.body}`);
      return res.json<{ id: string; token: string }>();
    },
  };
}

/** A unique tenant id per test, so tests never share state. */
export function uniqueTenantId(prefix = 't'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
