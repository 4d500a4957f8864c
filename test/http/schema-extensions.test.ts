import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { OutboxStore } from '../../src/storage/outbox.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectScimError, patchBody, scimClient, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';

// Per-tenant schema extensions (issue 12): registered through the admin API, then served by that
// tenant's SCIM endpoints like the built-in Enterprise extension, and by no other tenant's.

const ENTRA = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
const ACME = 'urn:example:acme:2.0:User';

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

const schemaUrl = (tenantId: string, urn: string) => `/admin/v1/tenants/${tenantId}/schemas/${encodeURIComponent(urn)}`;

const entraBody = (attributes: Record<string, unknown>[] = [{ name: 'CustomAttribute' }]) => ({
  id: ENTRA,
  name: 'CustomExtensionName',
  resourceType: 'User',
  attributes,
});

const acmeBody = {
  resourceType: 'User',
  attributes: [
    { name: 'costCenter', type: 'string', caseExact: false },
    { name: 'level', type: 'integer' },
    { name: 'badge', type: 'complex', subAttributes: [{ name: 'code' }, { name: 'issued', type: 'dateTime' }] },
    { name: 'secretNote', returned: 'request' },
    { name: 'tier', canonicalValues: ['gold', 'silver'] },
    {
      name: 'certifications',
      type: 'complex',
      multiValued: true,
      subAttributes: [{ name: 'name' }, { name: 'year', type: 'integer' }],
    },
  ],
};

async function tenantWith(prefix: string, ...schemas: [string, unknown][]): Promise<ScimClient> {
  const scim = await scimTenant(t, prefix);
  for (const [urn, body] of schemas) {
    const res = await admin.call('PUT', schemaUrl(scim.tenantId, urn), body);
    if (res.statusCode !== 201) throw new Error(`PUT schema: ${res.statusCode} ${res.body}`);
  }
  return scim;
}

describe('the schema extensions admin API', () => {
  it('registers (201), replaces (200), reads, lists and deletes an extension', async () => {
    const scim = await scimTenant(t, 'sx-admin');
    const url = schemaUrl(scim.tenantId, ENTRA);
    const created = await admin.call('PUT', url, entraBody());
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: ENTRA,
      resourceType: 'User',
      attributes: [
        {
          name: 'CustomAttribute',
          type: 'string',
          multiValued: false,
          required: false,
          caseExact: false,
          mutability: 'readWrite',
          returned: 'default',
          uniqueness: 'none',
        },
      ],
      meta: { resourceType: 'Schema' },
    });
    const replaced = await admin.call('PUT', url, entraBody([{ name: 'CustomAttribute' }, { name: 'costCenter' }]));
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json<{ changes: string[] }>().changes).toEqual(['costCenter: added']);
    const read = await admin.call('GET', url);
    expect(read.statusCode).toBe(200);
    // What GET returns can be PUT back unchanged.
    expect((await admin.call('PUT', url, read.json())).statusCode).toBe(200);
    const list = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/schemas`);
    expect(list.json<{ extensions: { id: string }[] }>().extensions.map((e) => e.id)).toEqual([ENTRA]);
    expect((await admin.call('DELETE', url)).statusCode).toBe(204);
    expect((await admin.call('GET', url)).statusCode).toBe(404);
    expect((await admin.call('DELETE', url)).statusCode).toBe(404);
  });

  it('refuses an invalid definition with 400 naming each attribute that is wrong and why', async () => {
    const scim = await scimTenant(t, 'sx-bad');
    const res = await admin.call('PUT', schemaUrl(scim.tenantId, ACME), {
      resourceType: 'User',
      attributes: [
        { name: 'ok' },
        { name: '9lives', type: 'string' },
        { name: 'size', type: 'float' },
        { name: 'parent', type: 'complex', subAttributes: [{ name: 'child', type: 'complex', subAttributes: [] }] },
      ],
    });
    expect(res.statusCode).toBe(400);
    const message = res.json<{ message: string }>().message;
    expect(message).toMatch(/9lives/);
    expect(message).toMatch(/size/);
    expect(message).toMatch(/float|one of/);
    expect(message).toMatch(/child/);
    expect((await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/schemas`)).json()).toEqual({ extensions: [] });
  });

  it('refuses to redefine a built-in schema, and answers 404 for an unknown tenant', async () => {
    const scim = await scimTenant(t, 'sx-builtin');
    const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    expect((await admin.call('PUT', schemaUrl(scim.tenantId, enterprise), entraBody())).statusCode).toBe(400);
    expect((await admin.call('PUT', schemaUrl('no-such-tenant', ENTRA), entraBody())).statusCode).toBe(404);
  });

  it('refuses to remove or retype an attribute that stored users hold, and allows it once none does', async () => {
    const scim = await tenantWith('sx-change', [ACME, acmeBody]);
    const url = schemaUrl(scim.tenantId, ACME);
    const user = await scim.createUser({ userName: 'cc@acme.test', [ACME]: { costCenter: 'CC-1', level: 3 } });
    const withoutCostCenter = { ...acmeBody, attributes: acmeBody.attributes.filter((a) => a.name !== 'costCenter') };
    const removal = await admin.call('PUT', url, withoutCostCenter);
    expect(removal.statusCode).toBe(409);
    expect(removal.json<{ message: string }>().message).toMatch(/1 User resource .*costCenter/);
    const retyped = {
      ...acmeBody,
      attributes: acmeBody.attributes.map((a) => (a.name === 'level' ? { ...a, type: 'string' } : a)),
    };
    expect((await admin.call('PUT', url, retyped)).statusCode).toBe(409);
    expect((await admin.call('DELETE', url)).statusCode).toBe(409);
    // A characteristic that governs later requests only changes freely.
    const described = {
      ...acmeBody,
      attributes: acmeBody.attributes.map((a) => (a.name === 'level' ? { ...a, description: 'Job level' } : a)),
    };
    expect((await admin.call('PUT', url, described)).statusCode).toBe(200);
    // Once no user holds a value, the removal is allowed.
    const cleared = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'remove', path: `${ACME}:costCenter` }, { op: 'remove', path: `${ACME}:level` }),
    );
    expect(cleared.statusCode).toBe(200);
    expect((await admin.call('PUT', url, withoutCostCenter)).statusCode).toBe(200);
    expect((await admin.call('PUT', url, retyped)).statusCode).toBe(200);
  });
});

describe('extension attributes over SCIM', () => {
  it('RFC 7643 §3.3: /Schemas and /ResourceTypes show the extension to its tenant and to no other', async () => {
    const mine = await tenantWith('sx-disc', [ENTRA, entraBody()]);
    const other = await scimTenant(t, 'sx-other');
    const types = (await mine.call('GET', '/ResourceTypes/User')).json<{ schemaExtensions: { schema: string }[] }>();
    expect(types.schemaExtensions).toContainEqual({ schema: ENTRA, required: false });
    const schema = await mine.call('GET', `/Schemas/${ENTRA}`);
    expect(schema.statusCode).toBe(200);
    expect(schema.json()).toMatchObject({ id: ENTRA, attributes: [{ name: 'CustomAttribute' }] });
    const otherTypes = (await other.call('GET', '/ResourceTypes/User')).json<{ schemaExtensions: unknown[] }>();
    expect(JSON.stringify(otherTypes)).not.toContain(ENTRA);
    expect((await other.call('GET', `/Schemas/${ENTRA}`)).statusCode).toBe(404);
  });

  it("accepts Entra's documented custom extension, without its URN in schemas, and returns it listed", async () => {
    const scim = await tenantWith('sx-entra', [ENTRA, entraBody()]);
    const res = await scim.call('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'entra@custom.test',
      [ENTRA]: { CustomAttribute: '701984' },
    });
    expect(res.statusCode).toBe(201);
    const user = res.json<Record<string, unknown> & { id: string }>();
    expect(user['schemas']).toEqual([USER_SCHEMA, ENTRA]);
    expect(user[ENTRA]).toEqual({ CustomAttribute: '701984' });
    // Entra's PATCH: capitalised op, the attribute by its full URN path.
    const patched = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'Replace', path: `${ENTRA}:CustomAttribute`, value: '42' }),
    );
    expect(patched.statusCode).toBe(200);
    expect(patched.json<Record<string, unknown>>()[ENTRA]).toEqual({ CustomAttribute: '42' });
    const found = await scim.call('GET', `/Users?filter=${encodeURIComponent(`${ENTRA}:CustomAttribute eq "42"`)}`);
    expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ id: user.id }] });
  });

  it("refuses an extension attribute the same tenant never registered, and another tenant's extension", async () => {
    const mine = await tenantWith('sx-mine', [ACME, acmeBody]);
    const other = await scimTenant(t, 'sx-theirs');
    const body = { schemas: [USER_SCHEMA, ACME], userName: 'x@acme.test', [ACME]: { costCenter: 'c' } };
    expectScimError(await other.call('POST', '/Users', body), 400);
    expectScimError(await mine.call('POST', '/Users', { ...body, [ACME]: { nope: 'c' } }), 400);
    expectScimError(
      await other.call('GET', `/Users?filter=${encodeURIComponent(`${ACME}:costCenter eq "c"`)}`),
      400,
      'invalidFilter',
    );
  });

  it('validates extension values by their declared type, canonical values and sub-attributes', async () => {
    const scim = await tenantWith('sx-valid', [ACME, acmeBody]);
    const post = (ext: Record<string, unknown>) =>
      scim.call('POST', '/Users', { schemas: [USER_SCHEMA, ACME], userName: `v${Math.random()}@a.test`, [ACME]: ext });
    expectScimError(await post({ level: 'three' }), 400, 'invalidValue');
    expectScimError(await post({ badge: { code: 'B1', issued: 'yesterday' } }), 400, 'invalidValue');
    expect((await post({ level: 3, badge: { code: 'B1', issued: '2026-01-02T03:04:05Z' } })).statusCode).toBe(201);
  });

  it('RFC 7643 §7 returned, RFC 7644 §3.9 attributes: request-only attributes and projections', async () => {
    const scim = await tenantWith('sx-proj', [ACME, acmeBody]);
    const user = await scim.createUser({
      schemas: [USER_SCHEMA, ACME],
      userName: 'proj@acme.test',
      [ACME]: { costCenter: 'CC-9', secretNote: 'hidden' },
    });
    expect(user[ACME]).toEqual({ costCenter: 'CC-9' });
    const asked = await scim.call('GET', `/Users/${user.id}?attributes=${encodeURIComponent(`${ACME}:secretNote`)}`);
    expect(asked.json<Record<string, unknown>>()[ACME]).toEqual({ secretNote: 'hidden' });
    const only = await scim.call('GET', `/Users/${user.id}?attributes=${encodeURIComponent(`${ACME}:costCenter`)}`);
    expect(only.json()).toEqual({
      schemas: [USER_SCHEMA, ACME],
      id: user.id,
      [ACME]: { costCenter: 'CC-9' },
    });
    const excluded = await scim.call('GET', `/Users/${user.id}?excludedAttributes=${encodeURIComponent(ACME)}`);
    expect(excluded.json<Record<string, unknown>>()[ACME]).toBeUndefined();
  });

  it('RFC 7644 §3.4.2.2, §3.4.2.3: filters and sorts on extension attributes, case-insensitive unless caseExact', async () => {
    const scim = await tenantWith('sx-filter', [ACME, acmeBody]);
    for (const [name, cc, level] of [
      ['a', 'Sales-1', 3],
      ['b', 'sales-2', 1],
      ['c', 'Eng-1', 2],
    ] as const) {
      await scim.createUser({
        schemas: [USER_SCHEMA, ACME],
        userName: `${name}@f.test`,
        [ACME]: { costCenter: cc, level },
      });
    }
    await scim.createUser({ userName: 'none@f.test' });
    const names = async (query: string) =>
      (await scim.call('GET', `/Users?${query}`))
        .json<{ Resources: { userName: string }[] }>()
        .Resources.map((r) => r.userName);
    const f = (filter: string) => `filter=${encodeURIComponent(filter)}`;
    expect(await names(f(`${ACME}:costCenter eq "SALES-1"`))).toEqual(['a@f.test']);
    expect(await names(f(`${ACME}:costCenter sw "sales"`))).toEqual(['a@f.test', 'b@f.test']);
    expect(await names(f(`${ACME}:costCenter pr`))).toHaveLength(3);
    expect(await names(f(`not (${ACME}:costCenter pr)`))).toEqual(['none@f.test']);
    expect(await names(f(`${ACME}:level ge 2`))).toEqual(['a@f.test', 'c@f.test']);
    expect(await names(`${f(`${ACME}:level pr`)}&sortBy=${encodeURIComponent(`${ACME}:level`)}`)).toEqual([
      'b@f.test',
      'c@f.test',
      'a@f.test',
    ]);
    expectScimError(await scim.call('GET', `/Users?${f(`${ACME}:level co "1"`)}`), 400, 'invalidFilter');
  });

  it('RFC 7644 §3.5.2: PATCH by full URN path, by value filter and in pathless values; events name the change', async () => {
    const scim = await tenantWith('sx-patch', [ACME, acmeBody]);
    const user = await scim.createUser({ userName: 'p@acme.test' });
    const patch = async (...ops: Record<string, unknown>[]) => {
      const res = await scim.call('PATCH', `/Users/${user.id}`, patchBody(...ops));
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Record<string, unknown>>()[ACME];
    };
    expect(await patch({ op: 'add', path: `${ACME}:costCenter`, value: 'CC-1' })).toEqual({ costCenter: 'CC-1' });
    expect(await patch({ op: 'replace', value: { [`${ACME}:level`]: 4 } })).toEqual({ costCenter: 'CC-1', level: 4 });
    expect(await patch({ op: 'replace', value: { [ACME]: { tier: 'gold' } } })).toMatchObject({ tier: 'gold' });
    expect(await patch({ op: 'add', path: `${ACME}:badge`, value: { code: 'B7' } })).toMatchObject({
      badge: { code: 'B7' },
    });
    expect(await patch({ op: 'replace', path: `${ACME}:badge.code`, value: 'B8' })).toMatchObject({
      badge: { code: 'B8' },
    });
    let events = await new OutboxStore().after(sqlOf(t.deps.db), scim.tenantId, 0, 100);
    expect(events.at(-1)).toMatchObject({ type: 'user.updated', changedAttributes: [`${ACME}:badge`] });
    expect(events.at(-1)?.data[ACME]).toMatchObject({ badge: { code: 'B8' } });
    // A value filter on a multi-valued complex extension attribute (RFC 7644 §3.5.2.3).
    await patch({
      op: 'add',
      path: `${ACME}:certifications`,
      value: [
        { name: 'AWS', year: 2020 },
        { name: 'GCP', year: 2021 },
      ],
    });
    expect(
      await patch({ op: 'replace', path: `${ACME}:certifications[name eq "aws"].year`, value: 2024 }),
    ).toMatchObject({
      certifications: [
        { name: 'AWS', year: 2024 },
        { name: 'GCP', year: 2021 },
      ],
    });
    const found = await scim.call(
      'GET',
      `/Users?filter=${encodeURIComponent(`${ACME}:certifications[name eq "AWS" and year ge 2024]`)}`,
    );
    expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ id: user.id }] });
    events = await new OutboxStore().after(sqlOf(t.deps.db), scim.tenantId, 0, 100);
    expect(events.at(-1)).toMatchObject({ changedAttributes: [`${ACME}:certifications`] });
  });

  it('RFC 7644 §3.7: Bulk creates and patches with extension attributes', async () => {
    const scim = await tenantWith('sx-bulk', [ACME, acmeBody]);
    const res = await scim.call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'u1',
          data: { schemas: [USER_SCHEMA, ACME], userName: 'bulk@acme.test', [ACME]: { costCenter: 'B-1' } },
        },
        {
          method: 'PATCH',
          path: '/Users/bulkId:u1',
          data: patchBody({ op: 'replace', path: `${ACME}:level`, value: 9 }),
        },
      ],
    });
    expect(res.json<{ Operations: { status: string }[] }>().Operations.map((o) => o.status)).toEqual(['201', '200']);
    const found = await scim.call('GET', `/Users?filter=${encodeURIComponent(`${ACME}:level eq 9`)}`);
    expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ [ACME]: { costCenter: 'B-1', level: 9 } }] });
  });

  it('a registration reaches the tenant at once on this replica, and a deletion takes the extension away', async () => {
    const scim = await scimTenant(t, 'sx-live');
    const body = { schemas: [USER_SCHEMA, ENTRA], userName: 'live@x.test', [ENTRA]: { CustomAttribute: 'v' } };
    // The profile (and the registry with it) is cached: this request makes it so.
    expectScimError(await scim.call('POST', '/Users', body), 400);
    await admin.call('PUT', schemaUrl(scim.tenantId, ENTRA), entraBody());
    expect((await scim.call('POST', '/Users', body)).statusCode).toBe(201);
  });
  it('RFC 7643 §7: never returns a writeOnly attribute, in responses, events or the admin read, and maps none', async () => {
    const urn = 'urn:example:pins:2.0:User';
    const scim = await tenantWith('sx-pin', [
      urn,
      {
        resourceType: 'User',
        attributes: [{ name: 'pin', mutability: 'writeOnly', returned: 'never' }, { name: 'tag' }],
      },
    ]);
    const user = await scim.createUser({
      schemas: [USER_SCHEMA, urn],
      userName: 'pin@x.test',
      [urn]: { pin: '1234', tag: 't' },
    });
    expect(user[urn]).toEqual({ tag: 't' });
    const events = await new OutboxStore().after(sqlOf(t.deps.db), scim.tenantId, 0, 10);
    expect(JSON.stringify(events)).not.toContain('1234');
    const read = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/users/${user.id}`);
    expect(read.body).not.toContain('1234');
    const mapping = await admin.call('PUT', `/admin/v1/tenants/${scim.tenantId}/attribute-mapping`, {
      User: { pin: `${urn}:pin` },
    });
    expect(mapping.statusCode).toBe(400);
  });

  it('refuses to make an attribute readOnly while resources hold values: their next write would drop them', async () => {
    const scim = await tenantWith('sx-readonly', [ACME, acmeBody]);
    await scim.createUser({ userName: 'ro@x.test', [ACME]: { costCenter: 'CC' } });
    const readOnly = {
      ...acmeBody,
      attributes: acmeBody.attributes.map((a) => (a.name === 'costCenter' ? { ...a, mutability: 'readOnly' } : a)),
    };
    const res = await admin.call('PUT', schemaUrl(scim.tenantId, ACME), readOnly);
    expect(res.statusCode).toBe(409);
    expect(res.json<{ message: string }>().message).toContain('readOnly');
  });

  it('forgets a deleted tenant: the same id created again has none of its extensions', async () => {
    const scim = await tenantWith('sx-reborn', [ENTRA, entraBody()]);
    expect((await scim.call('GET', `/Schemas/${ENTRA}`)).statusCode).toBe(200);
    expect((await admin.call('DELETE', `/admin/v1/tenants/${scim.tenantId}`)).statusCode).toBe(204);
    await admin.createTenant(scim.tenantId);
    const { token } = await admin.issueToken(scim.tenantId);
    const again = scimClient(t.app, scim.tenantId, token, scim.base);
    expect((await again.call('GET', `/Schemas/${ENTRA}`)).statusCode).toBe(404);
  });
  it('reaches a second replica on the same database within the 2 s profile cache, with no message between them', async () => {
    const other = await createTestApp({ database: t.database, env: { JWT_SECRET: t.env['JWT_SECRET'] ?? '' } });
    try {
      const scim = await scimTenant(t, 'sx-replica');
      const { token } = await admin.issueToken(scim.tenantId);
      const there = scimClient(other.app, scim.tenantId, token, scim.base);
      // The other replica caches the tenant's profile, registry included.
      expect((await there.call('GET', `/Schemas/${ENTRA}`)).statusCode).toBe(404);
      await admin.call('PUT', schemaUrl(scim.tenantId, ENTRA), entraBody());
      const started = Date.now();
      await vi.waitFor(
        async () => {
          expect((await there.call('GET', `/Schemas/${ENTRA}`)).statusCode).toBe(200);
        },
        { timeout: 5_000, interval: 100 },
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      await admin.call('DELETE', schemaUrl(scim.tenantId, ENTRA));
      await vi.waitFor(
        async () => {
          expect((await there.call('GET', `/Schemas/${ENTRA}`)).statusCode).toBe(404);
        },
        { timeout: 5_000, interval: 100 },
      );
    } finally {
      await other.close();
    }
  });
  it('fences writes: one validated against an extension just deleted fails whole (503), then meets the new registry', async () => {
    const GROUP_EXT = 'urn:example:groups:2.0:Group';
    const other = await createTestApp({ database: t.database, env: { JWT_SECRET: t.env['JWT_SECRET'] ?? '' } });
    try {
      const scim = await tenantWith(
        'sx-fence',
        [ENTRA, entraBody()],
        [GROUP_EXT, { resourceType: 'Group', attributes: [{ name: 'code' }] }],
      );
      const { token } = await admin.issueToken(scim.tenantId);
      const stale = scimClient(other.app, scim.tenantId, token, scim.base);
      // The other replica caches the tenant's profile with both extensions.
      expect((await stale.call('GET', `/Schemas/${ENTRA}`)).statusCode).toBe(200);
      expect((await admin.call('DELETE', schemaUrl(scim.tenantId, ENTRA))).statusCode).toBe(204);
      expect((await admin.call('DELETE', schemaUrl(scim.tenantId, GROUP_EXT))).statusCode).toBe(204);
      // One statement (a user create) and a transaction (a group create), each validated against
      // the cached registry: neither may store a value under an extension that no longer exists.
      const user = await stale.call('POST', '/Users', {
        schemas: [USER_SCHEMA, ENTRA],
        userName: 'fenced@x.test',
        [ENTRA]: { CustomAttribute: 'v' },
      });
      expectScimError(user, 503);
      expect(user.headers['retry-after']).toBe('1');
      const group = await stale.call('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', GROUP_EXT],
        displayName: 'Fenced',
        [GROUP_EXT]: { code: 'c' },
      });
      // The user's 503 dropped the stale profile: the group meets the new registry at once.
      expectScimError(group, 400);
      const users = await scim.call('GET', '/Users?filter=userName%20eq%20%22fenced@x.test%22');
      expect(users.json()).toMatchObject({ totalResults: 0 });
      // Sent again, the user meets the new registry, which no longer has the extension.
      expectScimError(
        await stale.call('POST', '/Users', {
          schemas: [USER_SCHEMA, ENTRA],
          userName: 'fenced@x.test',
          [ENTRA]: { CustomAttribute: 'v' },
        }),
        400,
      );
      // Writes without extensions go on as before.
      expect(
        (await stale.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'plain@x.test' })).statusCode,
      ).toBe(201);
      const events = await new OutboxStore().after(sqlOf(t.deps.db), scim.tenantId, 0, 100);
      expect(events.map((e) => e.type)).toEqual(['user.created']);
    } finally {
      await other.close();
    }
  });

  it('fences the transaction path too: a group write validated before the change is undone with its events', async () => {
    const GROUP_EXT = 'urn:example:groups:2.0:Group';
    const other = await createTestApp({ database: t.database, env: { JWT_SECRET: t.env['JWT_SECRET'] ?? '' } });
    try {
      const scim = await tenantWith('sx-fence-tx', [
        GROUP_EXT,
        { resourceType: 'Group', attributes: [{ name: 'code' }] },
      ]);
      const { token } = await admin.issueToken(scim.tenantId);
      const stale = scimClient(other.app, scim.tenantId, token, scim.base);
      expect((await stale.call('GET', `/Schemas/${GROUP_EXT}`)).statusCode).toBe(200);
      expect((await admin.call('DELETE', schemaUrl(scim.tenantId, GROUP_EXT))).statusCode).toBe(204);
      const group = await stale.call('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', GROUP_EXT],
        displayName: 'Fenced',
        [GROUP_EXT]: { code: 'c' },
      });
      expectScimError(group, 503);
      expect((await scim.call('GET', '/Groups')).json()).toMatchObject({ totalResults: 0 });
      expect(await new OutboxStore().after(sqlOf(t.deps.db), scim.tenantId, 0, 100)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
