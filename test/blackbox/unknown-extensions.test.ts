import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_SCHEMA,
  MODES,
  PATCH_SCHEMA,
  startBlackBox,
  USER_SCHEMA,
  type BlackBox,
  type Reply,
  type Tenant,
} from './harness.js';

/**
 * Issue 12, unknown extensions (docs/schemas.md): a tenant set to "accept" stores attributes
 * under extension URNs it never declared, as an Okta app's External namespace or an Entra custom
 * attribute sends them before anyone declared the schema; reads, filters, sorts and patches them;
 * lists them for the administrator; and lets them be promoted to a declared schema. Through the
 * built service only, in both database modes. The embedded mode serializes every request on one
 * connection, which the first writes of a new attribute, racing to record it, must not corrupt.
 */

// Okta's "External namespace" of a custom app attribute (developer.okta.com, SCIM 2.0 reference).
const OKTA = 'urn:okta:acme_app_1:1.0:user:custom';
// An Entra ID custom extension attribute (learn.microsoft.com, "customize-application-attributes").
const ENTRA = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
// Never seen before the concurrency test.
const WAVE = 'urn:ietf:params:scim:schemas:extension:wave:2.0:User';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** Headers Entra ID's provisioning client sends. */
const ENTRA_HEADERS = { 'user-agent': 'Microsoft Azure Active Directory SCIM Client', adscimversion: '2.0' };

interface ScimUser {
  id: string;
  userName: string;
  schemas: string[];
  [key: string]: unknown;
}
interface ListResponse<T = ScimUser> {
  schemas: string[];
  totalResults: number;
  Resources: T[];
}
interface Unregistered {
  resourceType: string;
  urn: string;
  attribute: string;
  requests: number;
  firstSeen: string;
  lastSeen: string;
}
interface ScimEvent {
  type: string;
  resourceId: string;
  data: Record<string, unknown>;
  changedAttributes: string[];
}

const filterQuery = (filter: string) => `filter=${encodeURIComponent(filter)}`;
const patchBody = (...ops: Record<string, unknown>[]) => ({ schemas: [PATCH_SCHEMA], Operations: ops });
const schemaPath = (tenant: Tenant, urn: string) => `/admin/v1/tenants/${tenant.id}/schemas/${encodeURIComponent(urn)}`;

/** RFC 7644 §3.12: a SCIM error, as application/scim+json with the Error schema and the status as a string. */
function expectScimError(res: Reply, status: number, scimType?: string): { detail: string } {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(res.json).toMatchObject({
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType === undefined ? {} : { scimType }),
  });
  const body = res.json as { detail?: unknown };
  expect(typeof body.detail).toBe('string');
  return { detail: String(body.detail) };
}

/** The admin API's error shape: JSON { statusCode, error, message }. */
function expectAdminError(res: Reply, status: number, mentions: RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.json).toEqual({
    statusCode: status,
    error: expect.any(String) as unknown,
    message: expect.stringMatching(mentions) as unknown,
  });
}

describe.each(MODES)('unknown extensions from the outside (%s database)', (mode) => {
  let box: BlackBox;
  /** Accepts unknown extensions from the second test on. */
  let a: Tenant;
  /** Keeps the default, "reject". */
  let b: Tenant;
  /** Accepts too, and sends the Okta URN with its own values. */
  let c: Tenant;

  const list = async (tenant: Tenant, query: string): Promise<ListResponse> => {
    const res = await box.scim(tenant, 'GET', `/Users?${query}`);
    expect(res.status, `${query}: ${res.text}`).toBe(200);
    expect((res.json as ListResponse).schemas).toEqual([LIST_RESPONSE]);
    return res.json as ListResponse;
  };
  const userNames = async (tenant: Tenant, query: string) =>
    (await list(tenant, query)).Resources.map((r) => r.userName);
  const create = async (tenant: Tenant, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await box.scim(tenant, 'POST', '/Users', body, headers);
    expect(res.status, res.text).toBe(201);
    return res.json as ScimUser;
  };
  const byName = async (tenant: Tenant, userName: string) => {
    const [user] = (await list(tenant, filterQuery(`userName eq "${userName}"`))).Resources;
    if (user === undefined) throw new Error(`no user ${userName}`);
    return user;
  };
  const patch = async (tenant: Tenant, id: string, ...ops: Record<string, unknown>[]) => {
    const res = await box.scim(tenant, 'PATCH', `/Users/${id}`, patchBody(...ops), ENTRA_HEADERS);
    expect(res.status, `${JSON.stringify(ops)}: ${res.text}`).toBe(200);
    return res.json as ScimUser;
  };
  const unregistered = async (tenant: Tenant): Promise<Unregistered[]> => {
    const res = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/unregistered-attributes`);
    expect(res.status, res.text).toBe(200);
    return (res.json as { attributes: Unregistered[] }).attributes;
  };
  const setting = async (tenant: Tenant, unknownExtensions: 'accept' | 'reject') => {
    const res = await box.admin('PATCH', `/admin/v1/tenants/${tenant.id}`, { unknownExtensions });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id: tenant.id, unknownExtensions });
    const read = await box.admin('GET', `/admin/v1/tenants/${tenant.id}`);
    expect(read.json).toMatchObject({ id: tenant.id, unknownExtensions });
  };

  beforeAll(async () => {
    // Twenty creates of one tenant at once: above the default per-tenant admission limit (5),
    // which is not what the concurrency test here is about.
    box = await startBlackBox(mode, { env: { TENANT_MAX_CONCURRENT_REQUESTS: '32' } });
    a = await box.tenant();
    b = await box.tenant();
    c = await box.tenant();
  });
  afterAll(async () => {
    await box.stop();
  });

  it('RFC 7643 §3: by default ("reject") an undeclared extension URN is a 400 in a body, a PATCH and a filter; nothing is stored', async () => {
    const shown = await box.admin('GET', `/admin/v1/tenants/${a.id}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ id: a.id, unknownExtensions: 'reject' });

    // Okta lists its namespace in "schemas"; Entra leaves its extension URN out.
    expectScimError(
      await box.scim(a, 'POST', '/Users', {
        schemas: [USER_SCHEMA, OKTA],
        userName: 'okta-early@a.test',
        [OKTA]: { isAdmin: true, departmentName: 'Sales' },
      }),
      400,
    );
    expectScimError(
      await box.scim(
        a,
        'POST',
        '/Users',
        { schemas: [USER_SCHEMA], userName: 'entra-early@a.test', [ENTRA]: { costCenter: 'CC-0' } },
        ENTRA_HEADERS,
      ),
      400,
    );
    const plain = await create(a, { schemas: [USER_SCHEMA], userName: 'plain@a.test' });
    expectScimError(
      await box.scim(
        a,
        'PATCH',
        `/Users/${plain.id}`,
        patchBody({ op: 'Replace', path: `${ENTRA}:costCenter`, value: 'CC-0' }),
        ENTRA_HEADERS,
      ),
      400,
    );
    expectScimError(
      await box.scim(
        a,
        'PATCH',
        `/Users/${plain.id}`,
        patchBody({ op: 'replace', value: { [`${ENTRA}:costCenter`]: 'CC-0' } }),
        ENTRA_HEADERS,
      ),
      400,
    );
    expectScimError(
      await box.scim(a, 'PUT', `/Users/${plain.id}`, {
        schemas: [USER_SCHEMA, OKTA],
        userName: 'plain@a.test',
        [OKTA]: { isAdmin: true },
      }),
      400,
    );
    expectScimError(
      await box.scim(a, 'GET', `/Users?${filterQuery(`${OKTA}:isAdmin eq "true"`)}`),
      400,
      'invalidFilter',
    );

    const stored = await list(a, 'count=100');
    expect(stored.Resources.map((u) => u.userName)).toEqual(['plain@a.test']);
    expect(JSON.stringify(stored)).not.toContain(OKTA);
    expect(JSON.stringify(stored)).not.toContain(ENTRA);
    expect(await unregistered(a)).toEqual([]);
  });

  it('RFC 7643 §3: once set to "accept", an Okta namespace (listed in schemas) and an Entra extension (not listed) are stored as sent and read back', async () => {
    await setting(a, 'accept');

    const okta = await create(a, {
      schemas: [USER_SCHEMA, OKTA],
      userName: 'okta@a.test',
      [OKTA]: { isAdmin: false, departmentName: 'Testing User', level: 3 },
    });
    expect(okta.schemas).toEqual([USER_SCHEMA, OKTA]);
    // Stored as sent: a boolean stays a boolean, a number a number.
    expect(okta[OKTA]).toEqual({ isAdmin: false, departmentName: 'Testing User', level: 3 });

    const entra = await create(
      a,
      { schemas: [USER_SCHEMA], userName: 'entra@a.test', [ENTRA]: { costCenter: 'CC-1' } },
      ENTRA_HEADERS,
    );
    // RFC 7643 §3: "schemas" lists every schema the resource holds.
    expect(entra.schemas).toEqual([USER_SCHEMA, ENTRA]);
    expect(entra[ENTRA]).toEqual({ costCenter: 'CC-1' });

    for (const user of [okta, entra]) {
      const read = await box.scim(a, 'GET', `/Users/${user.id}`);
      expect(read.status, read.text).toBe(200);
      expect(read.json).toEqual(user);
    }
  });

  it('RFC 7644 §4: undeclared URNs are not advertised by /Schemas or /ResourceTypes', async () => {
    for (const urn of [OKTA, ENTRA]) {
      expectScimError(await box.scim(a, 'GET', `/Schemas/${urn}`), 404);
    }
    const schemas = await box.scim(a, 'GET', '/Schemas');
    expect(schemas.status).toBe(200);
    expect(schemas.text).not.toContain(OKTA);
    expect(schemas.text).not.toContain(ENTRA);
    for (const path of ['/ResourceTypes', '/ResourceTypes/User']) {
      const types = await box.scim(a, 'GET', path);
      expect(types.status).toBe(200);
      expect(types.text).not.toContain(OKTA);
      expect(types.text).not.toContain(ENTRA);
    }
  });

  it('RFC 7644 §3.4.2.2: filters undeclared attributes as case-insensitive strings (numbers and booleans too), at once', async () => {
    for (const [name, department, level, isAdmin] of [
      ['f-a', 'Sales', 3, true],
      ['f-b', 'sales', 10, false],
      ['f-c', 'Eng', 9, true],
    ] as const) {
      await create(a, {
        schemas: [USER_SCHEMA, OKTA],
        userName: `${name}@a.test`,
        [OKTA]: { departmentName: department, level, isAdmin },
      });
    }
    await create(a, { schemas: [USER_SCHEMA], userName: 'f-none@a.test' });
    const scoped = (filter: string) => `${filterQuery(`userName sw "f-" and (${filter})`)}&sortBy=userName`;

    expect(await userNames(a, scoped(`${OKTA}:departmentName eq "SALES"`))).toEqual(['f-a@a.test', 'f-b@a.test']);
    // RFC 7644 §3.10: attribute names are case-insensitive.
    expect(await userNames(a, scoped(`${OKTA}:DEPARTMENTNAME eq "eng"`))).toEqual(['f-c@a.test']);
    expect(await userNames(a, scoped(`${OKTA}:level eq "3"`))).toEqual(['f-a@a.test']);
    expect(await userNames(a, scoped(`${OKTA}:isAdmin eq "TRUE"`))).toEqual(['f-a@a.test', 'f-c@a.test']);
    expect(await userNames(a, scoped(`${OKTA}:isAdmin eq "false"`))).toEqual(['f-b@a.test']);
    expect(await userNames(a, scoped(`${OKTA}:departmentName pr`))).toEqual(['f-a@a.test', 'f-b@a.test', 'f-c@a.test']);
    expect(await userNames(a, scoped(`not (${OKTA}:departmentName pr)`))).toEqual(['f-none@a.test']);
    expect(await userNames(a, scoped(`${OKTA}:departmentName sw "e"`))).toEqual(['f-c@a.test']);
    expect(await userNames(a, scoped(`${OKTA}:departmentName co "ALE"`))).toEqual(['f-a@a.test', 'f-b@a.test']);
    // "ne" is the negation of "eq" (as for declared attributes): an unassigned attribute is "ne" anything.
    expect(await userNames(a, scoped(`${OKTA}:departmentName ne "sales"`))).toEqual(['f-c@a.test', 'f-none@a.test']);
    // Across the tenant, and the Entra attribute, whose URN was never in "schemas".
    expect(await userNames(a, filterQuery(`${OKTA}:departmentName eq "testing user"`))).toEqual(['okta@a.test']);
    expect(await userNames(a, filterQuery(`${ENTRA}:costCenter eq "cc-1"`))).toEqual(['entra@a.test']);
    // An attribute never sent under the URN is not in the tenant's schema.
    expectScimError(
      await box.scim(a, 'GET', `/Users?${filterQuery(`${OKTA}:neverSent eq "x"`)}`),
      400,
      'invalidFilter',
    );
  });

  it('RFC 7644 §3.4.2.3, §3.9: sorts by undeclared attributes as case-insensitive strings and projects them', async () => {
    const having = filterQuery(`userName sw "f-" and ${OKTA}:departmentName pr`);
    const byDepartment = await userNames(a, `${having}&sortBy=${encodeURIComponent(`${OKTA}:departmentName`)}`);
    // "Eng" before "Sales" and "sales", which sort alike.
    expect(byDepartment[0]).toBe('f-c@a.test');
    expect(byDepartment.slice(1).sort()).toEqual(['f-a@a.test', 'f-b@a.test']);
    // Numbers as strings: "10" < "3" < "9".
    const byLevel = `${having}&sortBy=${encodeURIComponent(`${OKTA}:level`)}`;
    expect(await userNames(a, byLevel)).toEqual(['f-b@a.test', 'f-a@a.test', 'f-c@a.test']);
    expect(await userNames(a, `${byLevel}&sortOrder=descending`)).toEqual(['f-c@a.test', 'f-a@a.test', 'f-b@a.test']);

    const user = await byName(a, 'f-c@a.test');
    const projected = await box.scim(
      a,
      'GET',
      `/Users/${user.id}?attributes=${encodeURIComponent(`${OKTA}:departmentName`)}`,
    );
    expect(projected.status, projected.text).toBe(200);
    expect(projected.json).toEqual({ schemas: [USER_SCHEMA, OKTA], id: user.id, [OKTA]: { departmentName: 'Eng' } });
  });

  it("RFC 7644 §3.5.2: PATCH by URN path, by bare URN, by Entra's flattened pathless key, and Remove; events name each attribute", async () => {
    const user = await create(a, { schemas: [USER_SCHEMA], userName: 'p@a.test' }, ENTRA_HEADERS);
    expect(user.schemas).toEqual([USER_SCHEMA]);

    // RFC 7644 §3.5.2.1: add by the full attribute path (URN, then the attribute after the last colon).
    let patched = await patch(a, user.id, { op: 'Add', path: `${ENTRA}:costCenter`, value: 'CC-1' });
    expect(patched.schemas).toEqual([USER_SCHEMA, ENTRA]);
    expect(patched[ENTRA]).toEqual({ costCenter: 'CC-1' });
    // Entra's pathless replace, its value keyed by the flattened "urn:…:attribute".
    patched = await patch(a, user.id, { op: 'Replace', value: { [`${ENTRA}:employeeType`]: 'Contractor' } });
    expect(patched[ENTRA]).toEqual({ costCenter: 'CC-1', employeeType: 'Contractor' });
    // RFC 7644 §3.5.2.3: the bare URN as path, with an object of attributes.
    patched = await patch(a, user.id, { op: 'replace', path: ENTRA, value: { costCenter: 'CC-2' } });
    expect(patched[ENTRA]).toEqual({ costCenter: 'CC-2', employeeType: 'Contractor' });
    // Okta's namespace, which ends in a lowercase "custom", by full path.
    patched = await patch(a, user.id, { op: 'replace', path: `${OKTA}:isAdmin`, value: true });
    expect(patched.schemas).toEqual([USER_SCHEMA, ENTRA, OKTA]);
    expect(patched[OKTA]).toEqual({ isAdmin: true });
    // RFC 7644 §3.5.2.2: remove.
    patched = await patch(a, user.id, { op: 'Remove', path: `${ENTRA}:employeeType` });
    expect(patched[ENTRA]).toEqual({ costCenter: 'CC-2' });
    patched = await patch(a, user.id, { op: 'remove', path: `${OKTA}:isAdmin` });
    expect(patched[OKTA]).toBeUndefined();
    expect(patched.schemas).toEqual([USER_SCHEMA, ENTRA]);

    const read = await box.scim(a, 'GET', `/Users/${user.id}`);
    expect(read.json).toEqual(patched);
    expect(await userNames(a, filterQuery(`${ENTRA}:costCenter eq "cc-2"`))).toEqual(['p@a.test']);
    expect(await userNames(a, filterQuery(`${ENTRA}:employeeType pr`))).toEqual([]);

    const events = await box.admin('GET', `/admin/v1/tenants/${a.id}/events?limit=1000`);
    expect(events.status, events.text).toBe(200);
    const mine = (events.json as { events: ScimEvent[] }).events.filter((e) => e.resourceId === user.id);
    expect(mine.map((e) => [e.type, e.changedAttributes])).toEqual([
      ['user.created', expect.any(Array) as unknown],
      ['user.updated', [`${ENTRA}:costCenter`]],
      ['user.updated', [`${ENTRA}:employeeType`]],
      ['user.updated', [`${ENTRA}:costCenter`]],
      ['user.updated', [`${OKTA}:isAdmin`]],
      ['user.updated', [`${ENTRA}:employeeType`]],
      ['user.updated', [`${OKTA}:isAdmin`]],
    ]);
    // Events carry the values in data like declared ones.
    expect(mine.at(-1)?.data[ENTRA]).toEqual({ costCenter: 'CC-2' });
    expect(mine.at(2)?.data[ENTRA]).toEqual({ costCenter: 'CC-1', employeeType: 'Contractor' });
  });

  it('lists every undeclared attribute with the write requests that carried it', async () => {
    const attributes = await unregistered(a);
    const row = (urn: string, attribute: string, requests: number) => ({
      resourceType: 'User',
      urn,
      attribute,
      requests,
      firstSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
    });
    const key = (u: Unregistered) => `${u.urn} ${u.attribute}`;
    expect([...attributes].sort((x, y) => key(x).localeCompare(key(y)))).toEqual(
      [
        // POST okta@, f-a, f-b, f-c.
        row(OKTA, 'departmentName', 4),
        row(OKTA, 'level', 4),
        // The same four, then p@'s replace and remove.
        row(OKTA, 'isAdmin', 6),
        // POST entra@, then p@'s add and bare-URN replace.
        row(ENTRA, 'costCenter', 3),
        // p@'s pathless replace and remove.
        row(ENTRA, 'employeeType', 2),
      ].sort((x, y) => `${x.urn} ${x.attribute}`.localeCompare(`${y.urn} ${y.attribute}`)),
    );
    for (const entry of attributes) {
      expect(Date.parse(entry.firstSeen)).toBeLessThanOrEqual(Date.parse(entry.lastSeen));
    }
    const isAdmin = attributes.find((e) => e.attribute === 'isAdmin');
    expect(Date.parse(isAdmin?.lastSeen ?? '')).toBeGreaterThan(Date.parse(isAdmin?.firstSeen ?? ''));
  });

  it('RFC 7643 §3: a list or an object under an undeclared attribute is a 400 saying to declare the extension; nothing is stored', async () => {
    const before = (await list(a, 'count=1000')).totalResults;
    const listed = await box.scim(
      a,
      'POST',
      '/Users',
      { schemas: [USER_SCHEMA], userName: 'list@a.test', [ENTRA]: { roles: ['a', 'b'] } },
      ENTRA_HEADERS,
    );
    expect(expectScimError(listed, 400, 'invalidValue').detail).toMatch(/declare the extension/);
    const object = await box.scim(a, 'POST', '/Users', {
      schemas: [USER_SCHEMA, OKTA],
      userName: 'object@a.test',
      [OKTA]: { manager: { value: 'x' } },
    });
    expect(expectScimError(object, 400, 'invalidValue').detail).toMatch(/declare the extension/);
    const user = await byName(a, 'p@a.test');
    const patched = await box.scim(
      a,
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'add', path: `${ENTRA}:roles`, value: ['a', 'b'] }),
      ENTRA_HEADERS,
    );
    expect(expectScimError(patched, 400).detail).toMatch(/declare the extension/);

    expect((await list(a, 'count=1000')).totalResults).toBe(before);
    expect((await box.scim(a, 'GET', `/Users/${user.id}`)).json).toMatchObject({ [ENTRA]: { costCenter: 'CC-2' } });
    expect(await userNames(a, filterQuery('userName eq "list@a.test" or userName eq "object@a.test"'))).toEqual([]);
  });

  it("RFC 7643 §3: another tenant neither sees tenant A's undeclared attributes nor can filter on them", async () => {
    // b keeps "reject": A's URNs are nothing to it.
    expect(await unregistered(b)).toEqual([]);
    expectScimError(
      await box.scim(b, 'GET', `/Users?${filterQuery(`${OKTA}:departmentName eq "sales"`)}`),
      400,
      'invalidFilter',
    );
    expectScimError(await box.scim(b, 'GET', `/Users?${filterQuery(`${ENTRA}:costCenter pr`)}`), 400, 'invalidFilter');
    expectScimError(
      await box.scim(b, 'POST', '/Users', {
        schemas: [USER_SCHEMA, OKTA],
        userName: 'b@b.test',
        [OKTA]: { departmentName: 'Sales' },
      }),
      400,
    );
    expect((await list(b, 'count=100')).totalResults).toBe(0);

    // c accepts, and never sent ENTRA: A's attribute is not in its schema.
    await setting(c, 'accept');
    expectScimError(await box.scim(c, 'GET', `/Users?${filterQuery(`${ENTRA}:costCenter pr`)}`), 400, 'invalidFilter');
    // c sends the Okta URN with its own values: its list and its filters hold its own only.
    await create(c, { schemas: [USER_SCHEMA, OKTA], userName: 'c@c.test', [OKTA]: { departmentName: 'Sales' } });
    expect(await unregistered(c)).toEqual([
      expect.objectContaining({ resourceType: 'User', urn: OKTA, attribute: 'departmentName', requests: 1 }),
    ]);
    expect(await userNames(c, filterQuery(`${OKTA}:departmentName eq "sales"`))).toEqual(['c@c.test']);
    expect(await userNames(c, filterQuery(`${OKTA}:departmentName pr`))).toEqual(['c@c.test']);
    expect((await userNames(a, filterQuery(`${OKTA}:departmentName eq "sales"`))).sort()).toEqual([
      'f-a@a.test',
      'f-b@a.test',
    ]);
    expect((await unregistered(a)).find((e) => e.urn === OKTA && e.attribute === 'departmentName')?.requests).toBe(4);
  });

  it('two clients creating 10 users each at once, with the same new undeclared attribute, all succeed, are counted and found', async () => {
    const issued = await box.admin('POST', `/admin/v1/tenants/${a.id}/tokens`, {
      description: 'second client',
      scopes: ['scim:read', 'scim:write'],
    });
    expect(issued.status, issued.text).toBe(201);
    const clients = [a, { ...a, token: (issued.json as { token: string }).token }];
    // The first of these writes race to record the attribute and raise the tenant's schema version.
    const results = await Promise.all(
      clients.flatMap((client, n) =>
        Array.from({ length: 10 }, (_, i) =>
          box.scim(
            client,
            'POST',
            '/Users',
            {
              // One client lists the URN in "schemas" (Okta), the other does not (Entra).
              schemas: n === 0 ? [USER_SCHEMA, WAVE] : [USER_SCHEMA],
              userName: `conc-${n}-${i}@a.test`,
              [WAVE]: { wave: 'Concurrent', seat: n * 10 + i },
            },
            n === 0 ? {} : ENTRA_HEADERS,
          ),
        ),
      ),
    );
    expect(
      results.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`),
      'every create answered 201',
    ).toEqual([]);
    const created = results.map((r) => r.json as ScimUser);
    for (const user of created) {
      expect(user.schemas).toEqual([USER_SCHEMA, WAVE]);
      const [, n, i] = /^conc-(\d)-(\d+)@/.exec(user.userName) ?? [];
      expect(user[WAVE]).toEqual({ wave: 'Concurrent', seat: Number(n) * 10 + Number(i) });
    }
    expect(new Set(created.map((u) => u.id)).size).toBe(20);

    const counted = (await unregistered(a)).filter((e) => e.urn === WAVE);
    expect(counted.map((e) => [e.attribute, e.requests]).sort()).toEqual([
      ['seat', 20],
      ['wave', 20],
    ]);
    const found = await list(a, `${filterQuery(`${WAVE}:wave eq "concurrent"`)}&count=100`);
    expect(found.totalResults).toBe(20);
    expect(found.Resources.map((u) => u.id).sort()).toEqual(created.map((u) => u.id).sort());
    for (const user of created) {
      const read = await box.scim(a, 'GET', `/Users/${user.id}`);
      expect(read.json).toEqual(user);
    }
  });

  it('RFC 7643 §7: promoting the Okta URN is a 409 while its values do not fit, then 201 once they are cleared', async () => {
    const url = schemaPath(a, OKTA);
    const define = (attributes: Record<string, unknown>[]) => ({
      name: 'Okta custom',
      resourceType: 'User',
      attributes,
    });

    // level and isAdmin hold numbers and booleans, stored and read as strings.
    expectAdminError(
      await box.admin(
        'PUT',
        url,
        define([{ name: 'departmentName' }, { name: 'level', type: 'integer' }, { name: 'isAdmin', type: 'boolean' }]),
      ),
      409,
      /level|isAdmin/,
    );
    expectAdminError(
      await box.admin('PUT', url, define([{ name: 'departmentName' }, { name: 'level' }, { name: 'isAdmin' }])),
      409,
      /level|isAdmin/,
    );
    // Left out while holding values.
    expectAdminError(await box.admin('PUT', url, define([{ name: 'departmentName' }])), 409, /level|isAdmin/);
    expectAdminError(
      await box.admin('PUT', url, define([{ name: 'level' }, { name: 'isAdmin' }])),
      409,
      /departmentName/,
    );
    // Nothing was declared by the refusals.
    expect((await box.admin('GET', url)).status).toBe(404);
    expectScimError(await box.scim(a, 'GET', `/Schemas/${OKTA}`), 404);

    // Clear level and isAdmin wherever they are held.
    const holders = await list(a, `${filterQuery(`${OKTA}:level pr or ${OKTA}:isAdmin pr`)}&count=100`);
    expect(holders.Resources.map((u) => u.userName).sort()).toEqual([
      'f-a@a.test',
      'f-b@a.test',
      'f-c@a.test',
      'okta@a.test',
    ]);
    for (const user of holders.Resources) {
      const held = Object.keys(user[OKTA] as Record<string, unknown>).filter((name) => name !== 'departmentName');
      const cleared = await patch(a, user.id, ...held.map((name) => ({ op: 'remove', path: `${OKTA}:${name}` })));
      expect(Object.keys(cleared[OKTA] as Record<string, unknown>)).toEqual(['departmentName']);
    }

    // departmentName's values are strings, read case-insensitively: it must stay caseExact false.
    expectAdminError(
      await box.admin('PUT', url, define([{ name: 'departmentName', caseExact: true }])),
      409,
      /departmentName/,
    );
    expectAdminError(
      await box.admin('PUT', url, define([{ name: 'departmentName', multiValued: true }])),
      409,
      /departmentName/,
    );
    // Attributes that hold no value any more can be declared as anything.
    const declared = await box.admin(
      'PUT',
      url,
      define([{ name: 'departmentName' }, { name: 'level', type: 'integer' }, { name: 'isAdmin', type: 'boolean' }]),
    );
    expect(declared.status, declared.text).toBe(201);

    expect((await unregistered(a)).filter((e) => e.urn === OKTA)).toEqual([]);
    expect((await unregistered(a)).some((e) => e.urn === ENTRA)).toBe(true);
    const schema = await box.scim(a, 'GET', `/Schemas/${OKTA}`);
    expect(schema.status, schema.text).toBe(200);
    expect(schema.json).toMatchObject({
      id: OKTA,
      attributes: [
        { name: 'departmentName', type: 'string', caseExact: false },
        { name: 'level', type: 'integer' },
        { name: 'isAdmin', type: 'boolean' },
      ],
    });
    const types = await box.scim(a, 'GET', '/ResourceTypes/User');
    expect((types.json as { schemaExtensions: unknown[] }).schemaExtensions).toContainEqual({
      schema: OKTA,
      required: false,
    });
    expect(types.text).not.toContain(ENTRA);
    // What was stored stays found; new values are validated as declared.
    expect(await userNames(a, `${filterQuery(`${OKTA}:departmentName eq "sales"`)}&sortBy=userName`)).toEqual([
      'f-a@a.test',
      'f-b@a.test',
    ]);
    expectScimError(
      await box.scim(a, 'POST', '/Users', {
        schemas: [USER_SCHEMA, OKTA],
        userName: 'typed@a.test',
        [OKTA]: { level: 'high' },
      }),
      400,
    );
    expectScimError(
      await box.scim(a, 'POST', '/Users', {
        schemas: [USER_SCHEMA, OKTA],
        userName: 'typed@a.test',
        [OKTA]: { undeclaredHere: 'x' },
      }),
      400,
    );
    const typed = await create(a, {
      schemas: [USER_SCHEMA, OKTA],
      userName: 'typed@a.test',
      [OKTA]: { level: 7, isAdmin: true },
    });
    expect(typed[OKTA]).toEqual({ level: 7, isAdmin: true });
    expect(await userNames(a, filterQuery(`${OKTA}:level ge 7`))).toEqual(['typed@a.test']);
  });

  it('switching back to "reject" keeps stored undeclared values usable and refuses URNs and attributes not seen before', async () => {
    await setting(a, 'reject');
    const p = await byName(a, 'p@a.test');
    expect(p[ENTRA]).toEqual({ costCenter: 'CC-2' });
    expect(await userNames(a, filterQuery(`${ENTRA}:costCenter eq "CC-2"`))).toEqual(['p@a.test']);
    expect((await list(a, `${filterQuery(`${WAVE}:wave eq "concurrent"`)}&count=100`)).totalResults).toBe(20);

    // A known attribute, then the stored undeclared one, then the whole resource carrying it.
    let patched = await patch(a, p.id, { op: 'replace', path: 'title', value: 'Engineer' });
    expect(patched).toMatchObject({
      title: 'Engineer',
      schemas: [USER_SCHEMA, ENTRA],
      [ENTRA]: { costCenter: 'CC-2' },
    });
    patched = await patch(a, p.id, { op: 'replace', path: `${ENTRA}:costCenter`, value: 'CC-3' });
    expect(patched[ENTRA]).toEqual({ costCenter: 'CC-3' });
    const put = await box.scim(
      a,
      'PUT',
      `/Users/${p.id}`,
      { schemas: [USER_SCHEMA, ENTRA], userName: 'p@a.test', title: 'Engineer', [ENTRA]: { costCenter: 'CC-4' } },
      ENTRA_HEADERS,
    );
    expect(put.status, put.text).toBe(200);
    expect((put.json as ScimUser)[ENTRA]).toEqual({ costCenter: 'CC-4' });
    expect(await userNames(a, filterQuery(`${ENTRA}:costCenter eq "cc-4"`))).toEqual(['p@a.test']);

    // Not seen before: an attribute under a stored URN, and a new URN.
    expectScimError(
      await box.scim(
        a,
        'PATCH',
        `/Users/${p.id}`,
        patchBody({ op: 'add', path: `${ENTRA}:newOne`, value: 'x' }),
        ENTRA_HEADERS,
      ),
      400,
    );
    const urn = 'urn:ietf:params:scim:schemas:extension:late:2.0:User';
    expectScimError(
      await box.scim(a, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'late@a.test', [urn]: { a: 'b' } }),
      400,
    );
    expectScimError(await box.scim(a, 'GET', `/Users?${filterQuery(`${urn}:a pr`)}`), 400, 'invalidFilter');
    expect(await userNames(a, filterQuery('userName eq "late@a.test"'))).toEqual([]);
    expect((await box.scim(a, 'GET', `/Users/${p.id}`)).json).toMatchObject({ [ENTRA]: { costCenter: 'CC-4' } });
    expect((await unregistered(a)).some((e) => e.urn === urn || e.attribute === 'newOne')).toBe(false);
  });
});
