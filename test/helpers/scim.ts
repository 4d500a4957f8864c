import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { adminClient, uniqueTenantId } from './admin.js';
import type { TestApp } from './app.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ScimClient {
  readonly tenantId: string;
  readonly base: string;
  call(method: Method, path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  createUser(body: Record<string, unknown>): Promise<Record<string, unknown> & { id: string }>;
  createGroup(body: Record<string, unknown>): Promise<Record<string, unknown> & { id: string }>;
}

/** A fresh tenant with a token, and a client that speaks SCIM to it through inject(). */
export async function scimTenant(t: TestApp, prefix = 'scim'): Promise<ScimClient> {
  const admin = adminClient(t.app, t.adminToken);
  const tenantId = uniqueTenantId(prefix);
  const { scimBaseUrl } = await admin.createTenant(tenantId);
  const { token } = await admin.issueToken(tenantId);
  return scimClient(t.app, tenantId, token, scimBaseUrl);
}

export function scimClient(app: FastifyInstance, tenantId: string, token: string, base: string): ScimClient {
  const call = (method: Method, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method,
      url: `/scim/v2/${tenantId}${path}`,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const create = async (path: string, body: Record<string, unknown>) => {
    const res = await call('POST', path, body);
    if (res.statusCode !== 201) throw new Error(`POST ${path}: ${res.statusCode} ${res.body}`);
    return res.json<Record<string, unknown> & { id: string }>();
  };
  return {
    tenantId,
    base,
    call,
    createUser: (body) => create('/Users', { schemas: [USER_SCHEMA], ...body }),
    createGroup: (body) => create('/Groups', { schemas: [GROUP_SCHEMA], ...body }),
  };
}

export function patchBody(...operations: Record<string, unknown>[]) {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

export function expectScimError(
  res: LightMyRequestResponse,
  status: number,
  scimType?: string,
): Record<string, unknown> {
  const body = res.json<Record<string, unknown>>();
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  if (res.headers['content-type'] !== 'application/scim+json')
    throw new Error(`content-type ${String(res.headers['content-type'])}`);
  const expected = { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType === undefined ? {} : { scimType }) };
  for (const [k, v] of Object.entries(expected)) {
    if (JSON.stringify(body[k]) !== JSON.stringify(v))
      throw new Error(`error body ${k}: ${JSON.stringify(body[k])} ≠ ${JSON.stringify(v)} (${res.body})`);
  }
  if (typeof body['detail'] !== 'string' || body['detail'].length < 5)
    throw new Error(`error body without a useful detail: ${res.body}`);
  return body;
}
