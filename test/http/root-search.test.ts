import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { adminClient } from '../helpers/admin.js';
import {
  expectScimError,
  GROUP_SCHEMA,
  PATCH_SCHEMA,
  scimClient,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

let t: TestApp;
let scim: ScimClient;
const search = (body: Record<string, unknown>) =>
  scim.call('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body });

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'root');
  await scim.createUser({ userName: 'ann@example.com', displayName: 'Ann' });
  await scim.createGroup({ displayName: 'Admins' });
  await scim.createUser({ userName: 'ben@example.com', displayName: 'Admins fan' });
});
afterAll(() => t.close());

interface Page {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: { schemas: string[]; id: string; displayName?: string; userName?: string }[];
}

describe('POST /.search at the tenant root (RFC 7644 §3.4.3)', () => {
  it('searches users and groups together, in creation order', async () => {
    const res = await search({ filter: 'displayName sw "Admins"' });
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    expect(page.totalResults).toBe(2);
    expect(page.Resources.map((r) => r.schemas[0])).toEqual([GROUP_SCHEMA, USER_SCHEMA]);
  });

  it('treats an attribute a type lacks as unassigned for it (§3.4.2.2)', async () => {
    const users = (await search({ filter: 'userName pr' })).json<Page>();
    expect(users.Resources.map((r) => r.userName)).toEqual(['ann@example.com', 'ben@example.com']);
    const groups = (await search({ filter: 'not (userName pr)' })).json<Page>();
    expect(groups.Resources.map((r) => r.displayName)).toEqual(['Admins']);
    expectScimError(await search({ filter: 'shoeSize eq 1' }), 400, 'invalidFilter');
  });

  it('spans agents too; a filter meaningless for one type matches nothing there, not a 400 (§3.4.2.2)', async () => {
    const tenant = await scimTenant(t, 'root-agents');
    const user = await tenant.createUser({ userName: 'clippy@example.com', displayName: 'Clippy' });
    const made = await tenant.call('POST', '/Agents', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Agent'],
      name: 'Clippy',
      displayName: 'Clippy',
    });
    const agent = made.json<{ id: string }>();
    const searchIn = (filter: string) =>
      tenant.call('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter });
    const both = (await searchIn('displayName eq "Clippy"')).json<Page>();
    expect(both.Resources.map((r) => r.id)).toEqual([user.id, agent.id]);
    // Agent's name is a string, User's a complex attribute: only the agent can match.
    const byName = await searchIn('name eq "clippy"');
    expect(byName.statusCode).toBe(200);
    expect(byName.json<Page>().Resources.map((r) => r.id)).toEqual([agent.id]);
    // Meaningless for every type, or wrong where every type agrees on the shape: still refused.
    expectScimError(await searchIn('meta.created gt "yesterday"'), 400);
    expectScimError(await searchIn('active eq "yes"'), 400, 'invalidFilter');
    expectScimError(await searchIn('userName gt true'), 400, 'invalidFilter');
  });

  it('pages the merged result and projects each resource by its own schema', async () => {
    const page = (await search({ startIndex: 2, count: 1, attributes: ['displayName'] })).json<Page>();
    expect(page).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(page.Resources[0]).toEqual({
      schemas: [GROUP_SCHEMA],
      id: expect.any(String) as string,
      displayName: 'Admins',
    });
    const projected = (await search({ attributes: ['userName'], filter: 'displayName eq "Ann"' })).json<Page>();
    expect(Object.keys(projected.Resources[0] ?? {}).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('refuses a request without the SearchRequest schema, and cursors and sortBy at the root', async () => {
    expectScimError(await scim.call('POST', '/.search', { filter: 'userName pr' }), 400, 'invalidSyntax');
    expectScimError(await search({ cursor: '' }), 400, 'invalidValue');
    expectScimError(await search({ sortBy: 'meta.created' }), 400, 'invalidValue');
  });
});

describe('the tenant context is the same on every SCIM route (issue 11, point 9)', () => {
  it("reads Entra ID's value-path sub-attribute filter at the root as on /Users", async () => {
    await scim.createUser({ userName: 'cyd@example.com', emails: [{ type: 'work', value: 'cyd@work.example' }] });
    const filter = 'emails[type eq "work"].value eq "cyd@work.example"';
    const onUsers = await scim.call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expect(onUsers.statusCode, onUsers.body).toBe(200);
    const atRoot = await search({ filter });
    expect(atRoot.statusCode, atRoot.body).toBe(200);
    expect(atRoot.json<Page>().Resources.map((r) => r.userName)).toEqual(['cyd@example.com']);
  });

  it('lets a read-only token search at the root and per type: a search is a query (RFC 7644 §3.4.3)', async () => {
    const { token } = await adminClient(t.app, t.adminToken).issueToken(scim.tenantId, {
      description: 'read only',
      scopes: ['scim:read'],
    });
    const reader = scimClient(t.app, scim.tenantId, token, scim.base);
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'id pr' };
    for (const path of ['/.search', '/Users/.search', '/Groups/.search']) {
      expect((await reader.call('POST', path, body)).statusCode, path).toBe(200);
    }
    expectScimError(await reader.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'no@example.com' }), 403);
  });

  it('notes the provider rules Bulk operations needed in the request log', async () => {
    const user = await scim.createUser({ userName: 'dee@example.com' });
    const bulk = await scim.call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        {
          method: 'PATCH',
          path: `/Users/${user.id}`,
          data: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'displayName', value: 'Dee' }] },
        },
      ],
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    await t.deps.requestLog.flush();
    const logged = await adminClient(t.app, t.adminToken).call(
      'GET',
      `/admin/v1/tenants/${scim.tenantId}/requests?limit=1`,
    );
    const [entry] = logged.json<{ requests: { path: string; rules: string[] }[] }>().requests;
    expect(entry?.path).toBe(`/scim/v2/${scim.tenantId}/Bulk`);
    expect(entry?.rules).toEqual(['patch-op-case']);
  });
});
