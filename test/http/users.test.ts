import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import {
  ENTERPRISE_SCHEMA,
  expectScimError,
  patchBody,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'users');
});
afterAll(() => t.close());

const ada = {
  schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
  userName: 'ada@example.com',
  externalId: 'okta-00ada',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  displayName: 'Ada Lovelace',
  emails: [
    { value: 'ada@example.com', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
  active: true,
  password: 'correct horse battery staple',
  [ENTERPRISE_SCHEMA]: { employeeNumber: '1815', department: 'Analytical Engines' },
};

describe('POST /Users (RFC 7644 §3.3)', () => {
  it('creates a user: 201, Location, ETag, meta, never the password', async () => {
    const res = await scim.call('POST', '/Users', { ...ada, userName: 'create@example.com' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/scim+json');
    const body = res.json<Record<string, unknown> & { id: string; meta: Record<string, string> }>();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['location']).toBe(`${PUBLIC_URL}/scim/v2/${scim.tenantId}/Users/${body.id}`);
    expect(res.headers['etag']).toBe('W/"1"');
    expect(body.meta).toEqual({
      resourceType: 'User',
      created: body.meta['created'],
      lastModified: body.meta['created'],
      location: res.headers['location'],
      version: 'W/"1"',
    });
    expect(body).toMatchObject({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      userName: 'create@example.com',
      externalId: 'okta-00ada',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      [ENTERPRISE_SCHEMA]: { employeeNumber: '1815' },
    });
    expect(JSON.stringify(body)).not.toContain('battery');
    const stored = await t.deps.db.$queryRawUnsafe<{ password_hash: string; document: unknown }[]>(
      'SELECT password_hash, document FROM scim_users WHERE id = $1::uuid',
      body.id,
    );
    expect(stored[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(stored[0]?.document)).not.toContain('battery');
  });

  it('RFC 7643 §4.1.1: refuses a userName taken case-insensitively with 409 uniqueness', async () => {
    await scim.createUser({ userName: 'Taken@Example.com' });
    expectScimError(
      await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'taken@example.COM' }),
      409,
      'uniqueness',
    );
  });

  it('lets exactly one of several racing POSTs with one userName win', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'race@example.com' }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectScimError(r, 409, 'uniqueness');
  });

  it('refuses a user without userName, with an unknown attribute, or with a wrong type: 400, nothing stored', async () => {
    expectScimError(
      await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], displayName: 'x' }),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'u1@x', shoeSize: 44 }),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'u2@x', active: 'yes' }),
      400,
      'invalidValue',
    );
    expectScimError(await scim.call('POST', '/Users', { userName: 'u3@x' }), 400, 'invalidValue');
    const list = await scim.call('GET', `/Users?filter=${encodeURIComponent('userName sw "u"')}`);
    expect(list.json<{ totalResults: number }>().totalResults).toBe(0);
  });

  it('ignores read-only attributes sent by the client (RFC 7643 §7)', async () => {
    const res = await scim.call('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'readonly@example.com',
      id: 'client-chosen',
      meta: { created: '2000-01-01T00:00:00Z' },
      groups: [{ value: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; meta: { created: string }; groups?: unknown }>();
    expect(body.id).not.toBe('client-chosen');
    expect(body.meta.created.startsWith('2000')).toBe(false);
    expect(body.groups).toBeUndefined();
  });

  it('projects the response of a POST with attributes (RFC 7644 §3.9)', async () => {
    const res = await scim.call('POST', '/Users?attributes=userName', {
      schemas: [USER_SCHEMA],
      userName: 'proj@example.com',
      displayName: 'P',
    });
    expect(res.statusCode).toBe(201);
    expect(Object.keys(res.json<Record<string, unknown>>()).sort()).toEqual(['id', 'schemas', 'userName']);
  });
});

describe('GET /Users/{id} (RFC 7644 §3.4.1)', () => {
  it('returns the user with its ETag, 304 for If-None-Match, 404 for unknown or malformed ids', async () => {
    const user = await scim.createUser({ userName: 'get@example.com', displayName: 'Get Me' });
    const res = await scim.call('GET', `/Users/${user.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['etag']).toBe('W/"1"');
    expect(res.json()).toEqual(user);
    const cached = await scim.call('GET', `/Users/${user.id}`, undefined, { 'if-none-match': 'W/"1"' });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    expectScimError(await scim.call('GET', '/Users/00000000-0000-4000-8000-000000000000'), 404);
    expectScimError(await scim.call('GET', '/Users/not-a-uuid'), 404);
  });

  it("never shows one tenant's users to another tenant", async () => {
    const user = await scim.createUser({ userName: 'private@example.com' });
    const other = await scimTenant(t, 'other');
    expectScimError(await other.call('GET', `/Users/${user.id}`), 404);
    expectScimError(await other.call('DELETE', `/Users/${user.id}`), 404);
    const list = await other.call('GET', `/Users?filter=${encodeURIComponent('userName eq "private@example.com"')}`);
    expect(list.json<{ totalResults: number }>().totalResults).toBe(0);
  });

  it('applies attributes and excludedAttributes, keeping id and schemas (RFC 7644 §3.4.2.5)', async () => {
    const user = await scim.createUser({ ...ada, userName: 'projection@example.com' });
    const only = (await scim.call('GET', `/Users/${user.id}?attributes=name.givenName,emails.value`)).json<
      Record<string, unknown>
    >();
    expect(only).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      id: user.id,
      name: { givenName: 'Ada' },
      emails: [{ value: 'ada@example.com' }, { value: 'ada@home.example' }],
    });
    const without = (
      await scim.call('GET', `/Users/${user.id}?excludedAttributes=emails,name,${ENTERPRISE_SCHEMA}:department`)
    ).json<Record<string, unknown>>();
    expect(without['emails']).toBeUndefined();
    expect(without['name']).toBeUndefined();
    expect(without[ENTERPRISE_SCHEMA]).toEqual({ employeeNumber: '1815' });
    expect(without['userName']).toBe('projection@example.com');
    expectScimError(await scim.call('GET', `/Users/${user.id}?attributes=shoeSize`), 400, 'invalidValue');
  });
});

describe('PUT /Users/{id} (RFC 7644 §3.5.1)', () => {
  it('replaces the user, bumps the version, keeps id and created', async () => {
    const user = await scim.createUser({ ...ada, userName: 'put@example.com' });
    const res = await scim.call('PUT', `/Users/${user.id}`, {
      schemas: [USER_SCHEMA],
      userName: 'put.renamed@example.com',
      title: 'Countess',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['etag']).toBe('W/"2"');
    const body = res.json<Record<string, unknown> & { meta: Record<string, string> }>();
    expect(body).toMatchObject({ id: user.id, userName: 'put.renamed@example.com', title: 'Countess' });
    expect(body['emails']).toBeUndefined();
    expect(body['name']).toBeUndefined();
    expect(body.meta['created']).toBe((user['meta'] as Record<string, string>)['created']);
  });

  it('answers 412 to a stale If-Match and changes nothing (RFC 7644 §3.14)', async () => {
    const user = await scim.createUser({ userName: 'etag@example.com' });
    const ok = await scim.call(
      'PUT',
      `/Users/${user.id}`,
      { schemas: [USER_SCHEMA], userName: 'etag@example.com', title: 'A' },
      { 'if-match': 'W/"1"' },
    );
    expect(ok.statusCode).toBe(200);
    const stale = await scim.call(
      'PUT',
      `/Users/${user.id}`,
      { schemas: [USER_SCHEMA], userName: 'etag@example.com', title: 'B' },
      { 'if-match': 'W/"1"' },
    );
    expectScimError(stale, 412);
    expect((await scim.call('GET', `/Users/${user.id}`)).json<{ title: string }>().title).toBe('A');
  });

  it('refuses a rename onto a taken userName with 409', async () => {
    await scim.createUser({ userName: 'first@example.com' });
    const second = await scim.createUser({ userName: 'second@example.com' });
    expectScimError(
      await scim.call('PUT', `/Users/${second.id}`, { schemas: [USER_SCHEMA], userName: 'FIRST@example.com' }),
      409,
      'uniqueness',
    );
  });
});

describe('PATCH /Users/{id} (RFC 7644 §3.5.2)', () => {
  it('applies all operations or none', async () => {
    const user = await scim.createUser({ ...ada, userName: 'patch@example.com' });
    const res = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody(
        { op: 'replace', path: 'name.givenName', value: 'Augusta' },
        { op: 'add', path: 'emails', value: [{ value: 'augusta@example.com', type: 'other' }] },
        { op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Poetry' },
        { op: 'replace', path: 'active', value: false },
      ),
    );
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      name: { givenName: 'Augusta' },
      active: false,
      [ENTERPRISE_SCHEMA]: { department: 'Poetry' },
    });
    expect((body['emails'] as unknown[]).length).toBe(3);
    const failing = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'replace', path: 'title', value: 'Changed' }, { op: 'replace', path: 'shoeSize', value: 1 }),
    );
    expectScimError(failing, 400, 'invalidPath');
    expect((await scim.call('GET', `/Users/${user.id}`)).json<{ title?: string }>().title).toBeUndefined();
  });

  it('refuses to modify a read-only attribute with 400 mutability', async () => {
    const user = await scim.createUser({ userName: 'mut@example.com' });
    expectScimError(
      await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'id', value: 'x' })),
      400,
      'mutability',
    );
  });
});

describe('DELETE /Users/{id} (RFC 7644 §3.6)', () => {
  it('deletes: 204, then 404', async () => {
    const user = await scim.createUser({ userName: 'delete@example.com' });
    const res = await scim.call('DELETE', `/Users/${user.id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expectScimError(await scim.call('GET', `/Users/${user.id}`), 404);
    expectScimError(await scim.call('DELETE', `/Users/${user.id}`), 404);
  });
});
