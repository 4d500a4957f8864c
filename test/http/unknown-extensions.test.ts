import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { OutboxStore } from '../../src/storage/outbox.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  ENTERPRISE_SCHEMA,
  expectScimError,
  patchBody,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

// Unknown extensions (issue 12): a tenant that accepts them stores attributes under URNs it
// never declared as sent, keeps them readable and filterable as strings, and lists them so the
// app can declare the schema.

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const OKTA = 'urn:okta:acme_app_1:1.0:user:custom';

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

async function accepting(prefix: string): Promise<ScimClient> {
  const scim = await scimTenant(t, prefix);
  const res = await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, { unknownExtensions: 'accept' });
  expect(res.json()).toMatchObject({ unknownExtensions: 'accept' });
  return scim;
}

const filter = (text: string) => `/Users?filter=${encodeURIComponent(text)}`;
const idsOf = async (scim: ScimClient, path: string) =>
  (await scim.call('GET', path)).json<{ Resources: { userName: string }[] }>().Resources.map((r) => r.userName);
const unregistered = async (tenantId: string) =>
  (await admin.call('GET', `/admin/v1/tenants/${tenantId}/unregistered-attributes`)).json<{
    attributes: { resourceType: string; urn: string; attribute: string; requests: number }[];
  }>().attributes;

describe('unknownExtensions "reject" (the default)', () => {
  it('RFC 7643 §3: refuses a URN the tenant never declared, and stores nothing', async () => {
    const scim = await scimTenant(t, 'ux-reject');
    expect((await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}`)).json()).toMatchObject({
      unknownExtensions: 'reject',
    });
    expectScimError(
      await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'r@x.test', [ACME]: { costCenter: 'c' } }),
      400,
    );
    expect(await idsOf(scim, '/Users')).toEqual([]);
    expect(await unregistered(scim.tenantId)).toEqual([]);
  });
});

describe('unknownExtensions "accept"', () => {
  it('stores an undeclared extension as sent, returns it listed in schemas, and does not advertise it', async () => {
    const scim = await accepting('ux-store');
    const res = await scim.call('POST', '/Users', {
      schemas: [USER_SCHEMA, OKTA],
      userName: 'okta@x.test',
      [OKTA]: { isAdmin: false, departmentName: 'Testing User', level: 3 },
    });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json<Record<string, unknown> & { id: string }>();
    expect(user[OKTA]).toEqual({ isAdmin: false, departmentName: 'Testing User', level: 3 });
    expect(user['schemas']).toEqual([USER_SCHEMA, OKTA]);
    const read = (await scim.call('GET', `/Users/${user.id}`)).json<Record<string, unknown>>();
    expect(read[OKTA]).toEqual({ isAdmin: false, departmentName: 'Testing User', level: 3 });
    expect((await scim.call('GET', `/Schemas/${OKTA}`)).statusCode).toBe(404);
    expect(JSON.stringify((await scim.call('GET', '/ResourceTypes/User')).json())).not.toContain(OKTA);
    expect(await unregistered(scim.tenantId)).toEqual([
      expect.objectContaining({ resourceType: 'User', urn: OKTA, attribute: 'departmentName', requests: 1 }),
      expect.objectContaining({ attribute: 'isAdmin', requests: 1 }),
      expect.objectContaining({ attribute: 'level', requests: 1 }),
    ]);
  });

  it('RFC 7644 §3.4.2.2: filters undeclared attributes as case-insensitive strings, numbers and booleans too', async () => {
    const scim = await accepting('ux-filter');
    for (const [name, cc, level] of [
      ['a', 'Sales', 3],
      ['b', 'sales', 1],
      ['c', 'Eng', 3],
    ] as const) {
      await scim.createUser({ userName: `${name}@x.test`, [ACME]: { costCenter: cc, level, remote: name === 'c' } });
    }
    await scim.createUser({ userName: 'none@x.test' });
    // The first write of an attribute raises the tenant's schema version: this replica knows it at once.
    expect(await idsOf(scim, filter(`${ACME}:costCenter eq "SALES"`))).toEqual(['a@x.test', 'b@x.test']);
    expect(await idsOf(scim, filter(`${ACME}:level eq "3"`))).toEqual(['a@x.test', 'c@x.test']);
    expect(await idsOf(scim, filter(`${ACME}:remote eq "true"`))).toEqual(['c@x.test']);
    expect(await idsOf(scim, filter(`${ACME}:costCenter pr`))).toHaveLength(3);
    expect(await idsOf(scim, filter(`${ACME}:costCenter sw "e"`))).toEqual(['c@x.test']);
    // "Eng" before "sales" and "Sales", which sort alike: case-insensitive strings.
    const sorted = await idsOf(
      scim,
      `${filter(`${ACME}:costCenter pr`)}&sortBy=${encodeURIComponent(`${ACME}:costCenter`)}`,
    );
    expect(sorted[0]).toBe('c@x.test');
    expect(sorted.slice(1).sort()).toEqual(['a@x.test', 'b@x.test']);
    const list = await unregistered(scim.tenantId);
    expect(list.find((a) => a.attribute === 'costCenter')?.requests).toBe(3);
  });

  it("RFC 7644 §3.5.2: PATCH by URN path, bare URN and Entra's flattened pathless keys; events name the change", async () => {
    const scim = await accepting('ux-patch');
    const user = await scim.createUser({ userName: 'p@x.test' });
    const patch = async (...ops: Record<string, unknown>[]) => {
      const res = await scim.call('PATCH', `/Users/${user.id}`, patchBody(...ops));
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Record<string, unknown>>()[ACME];
    };
    expect(await patch({ op: 'Add', path: `${ACME}:costCenter`, value: 'CC-1' })).toEqual({ costCenter: 'CC-1' });
    expect(await patch({ op: 'replace', value: { [`${ACME}:employeeType`]: 'Contractor' } })).toEqual({
      costCenter: 'CC-1',
      employeeType: 'Contractor',
    });
    expect(await patch({ op: 'replace', path: ACME, value: { costCenter: 'CC-2' } })).toEqual({
      costCenter: 'CC-2',
      employeeType: 'Contractor',
    });
    expect(await patch({ op: 'remove', path: `${ACME}:employeeType` })).toEqual({ costCenter: 'CC-2' });
    const events = await new OutboxStore().after(sqlOf(t.deps.db), scim.tenantId, 0, 100);
    expect(events.at(-1)).toMatchObject({ type: 'user.updated', changedAttributes: [`${ACME}:employeeType`] });
  });

  it('refuses lists and objects under an undeclared attribute, saying to declare the extension', async () => {
    const scim = await accepting('ux-shape');
    const res = await scim.call('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'l@x.test',
      [ACME]: { roles: ['a', 'b'] },
    });
    const body = expectScimError(res, 400, 'invalidValue');
    expect(String(body['detail'])).toContain('declare the extension');
    expect(await idsOf(scim, '/Users')).toEqual([]);
  });

  it('promotes a URN to a declared schema when its values fit, and refuses one that would strand them', async () => {
    const scim = await accepting('ux-promote');
    await scim.createUser({ userName: 'p1@x.test', [ACME]: { costCenter: 'CC-1', level: 3 } });
    const url = `/admin/v1/tenants/${scim.tenantId}/schemas/${encodeURIComponent(ACME)}`;
    const asInteger = await admin.call('PUT', url, {
      resourceType: 'User',
      attributes: [{ name: 'costCenter' }, { name: 'level', type: 'integer' }],
    });
    expect(asInteger.statusCode).toBe(409);
    expect(asInteger.json<{ message: string }>().message).toContain('level');
    const leavesOut = await admin.call('PUT', url, { resourceType: 'User', attributes: [{ name: 'costCenter' }] });
    expect(leavesOut.statusCode).toBe(409);
    const user = (await scim.call('GET', filter('userName eq "p1@x.test"'))).json<{ Resources: { id: string }[] }>()
      .Resources[0];
    await scim.call('PATCH', `/Users/${user?.id ?? ''}`, patchBody({ op: 'remove', path: `${ACME}:level` }));
    const declared = await admin.call('PUT', url, { resourceType: 'User', attributes: [{ name: 'costCenter' }] });
    expect(declared.statusCode, declared.body).toBe(201);
    expect((await unregistered(scim.tenantId)).filter((a) => a.urn === ACME)).toEqual([]);
    // Declared now: validated as defined, and advertised.
    expect((await scim.call('GET', `/Schemas/${ACME}`)).statusCode).toBe(200);
    expect(await idsOf(scim, filter(`${ACME}:costCenter eq "cc-1"`))).toEqual(['p1@x.test']);
  });

  it('keeps what was stored after switching back to reject, and refuses what was never seen', async () => {
    const scim = await accepting('ux-back');
    const user = await scim.createUser({ userName: 'b@x.test', [ACME]: { costCenter: 'CC-1' } });
    await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, { unknownExtensions: 'reject' });
    const kept = await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: 'T' }));
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json<Record<string, unknown>>()[ACME]).toEqual({ costCenter: 'CC-1' });
    expect(
      (
        await scim.call(
          'PATCH',
          `/Users/${user.id}`,
          patchBody({ op: 'replace', path: `${ACME}:costCenter`, value: 'CC-2' }),
        )
      ).statusCode,
    ).toBe(200);
    expectScimError(
      await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'add', path: `${ACME}:newOne`, value: 'x' })),
      400,
    );
    expectScimError(
      await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'n@x.test', [OKTA]: { a: 'b' } }),
      400,
    );
  });

  it("keeps each tenant's undeclared attributes to itself", async () => {
    const a = await accepting('ux-iso-a');
    const b = await scimTenant(t, 'ux-iso-b');
    await a.createUser({ userName: 'a@x.test', [ACME]: { costCenter: 'A' } });
    expect(await unregistered(b.tenantId)).toEqual([]);
    expectScimError(await b.call('GET', filter(`${ACME}:costCenter eq "a"`)), 400, 'invalidFilter');
  });
  it('counts names once whatever their case, and answers 400, never 500, to what it cannot store', async () => {
    const scim = await accepting('ux-limits');
    const user = await scim.createUser({ userName: 'l@x.test' });
    // Two spellings of one attribute in one request: one attribute, counted once.
    const twins = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody(
        { op: 'add', path: `${ACME}:costCenter`, value: 'a' },
        { op: 'replace', path: `${ACME}:COSTCENTER`, value: 'b' },
      ),
    );
    expect(twins.statusCode, twins.body).toBe(200);
    expect(twins.json<Record<string, unknown>>()[ACME]).toEqual({ costCenter: 'b' });
    expect((await unregistered(scim.tenantId)).filter((a) => a.attribute.toLowerCase() === 'costcenter')).toEqual([
      expect.objectContaining({ attribute: 'costCenter', requests: 1 }),
    ]);
    // A URN no tenant could ever declare, and one too long: refused as unknown extensions.
    expectScimError(
      await scim.call('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'g@x.test',
        'urn:ietf:params:scim:schemas:core:2.0:Group': { displayName: 'x' },
      }),
      400,
    );
    expectScimError(
      await scim.call('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'u@x.test',
        [`urn:a:${'b'.repeat(4000)}`]: { c: 'd' },
      }),
      400,
    );
    // More attributes than a declared extension may have.
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`a${i}`, 'v']));
    expectScimError(
      await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'm@x.test', [ACME]: many }),
      400,
    );
    expect(await idsOf(scim, '/Users')).toEqual(['l@x.test']);
  });

  it('counts nothing for a bare declared URN in a PATCH (the Enterprise extension)', async () => {
    const scim = await accepting('ux-bare');
    const user = await scim.createUser({ userName: 'e@x.test' });
    const res = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'replace', path: ENTERPRISE_SCHEMA, value: { department: 'R&D' } }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(await unregistered(scim.tenantId)).toEqual([]);
  });

  it('declares a URN for one resource type only: the same URN under another type stays accepted', async () => {
    const scim = await accepting('ux-types');
    await scim.createUser({ userName: 't@x.test', [ACME]: { code: 'u' } });
    await scim.createGroup({ displayName: 'G', [ACME]: { code: 'g' } });
    const declared = await admin.call('PUT', `/admin/v1/tenants/${scim.tenantId}/schemas/${encodeURIComponent(ACME)}`, {
      resourceType: 'User',
      attributes: [{ name: 'code' }],
    });
    expect(declared.statusCode, declared.body).toBe(201);
    expect((await unregistered(scim.tenantId)).map((a) => [a.resourceType, a.attribute])).toEqual([['Group', 'code']]);
    const groups = await scim.call('GET', `/Groups?filter=${encodeURIComponent(`${ACME}:code eq "G"`)}`);
    expect(groups.json()).toMatchObject({ totalResults: 1 });
  });
});
