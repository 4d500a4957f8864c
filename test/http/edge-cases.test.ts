import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectScimError, GROUP_SCHEMA, patchBody, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';

let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'edge');
});
afterAll(() => t.close());

const ids = async (filter: string) =>
  (await scim.call('GET', `/Users?filter=${encodeURIComponent(filter)}`))
    .json<{ Resources: { id: string }[] }>()
    .Resources.map((r) => r.id);

describe('memberships stay consistent under concurrency', () => {
  it('never leaves a membership behind for a user deleted while it is being added', async () => {
    const group = await scim.createGroup({ displayName: 'Race' });
    for (let round = 0; round < 15; round += 1) {
      const user = await scim.createUser({ userName: `race${round}@edge.test` });
      await Promise.all([
        scim.call(
          'PATCH',
          `/Groups/${group.id}?excludedAttributes=members`,
          patchBody({ op: 'add', path: 'members', value: [{ value: user.id }] }),
        ),
        scim.call('DELETE', `/Users/${user.id}`),
      ]);
    }
    const dangling = await t.deps.db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM scim_group_members m
        WHERE m.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM scim_users u WHERE u.tenant_id = m.tenant_id AND u.id = m.member_id)`,
      scim.tenantId,
    );
    expect(Number(dangling[0]?.n)).toBe(0);
  });

  it('gives a group a new version when one of its members is deleted, so a cached copy is stale (RFC 7644 §3.14)', async () => {
    const user = await scim.createUser({ userName: 'leaving@edge.test' });
    const group = await scim.createGroup({ displayName: 'Versioned', members: [{ value: user.id }] });
    const before = (await scim.call('GET', `/Groups/${group.id}`)).headers['etag'];
    await scim.call('DELETE', `/Users/${user.id}`);
    const after = await scim.call('GET', `/Groups/${group.id}`, undefined, { 'if-none-match': String(before) });
    expect(after.statusCode).toBe(200);
    expect(after.headers['etag']).not.toBe(before);
  });
});

describe('input PostgreSQL cannot store is a client error, not a 500', () => {
  it.each([
    ['a NUL in a value', { schemas: [USER_SCHEMA], userName: 'nul@edge.test', displayName: 'a\u0000b' }],
    ['a NUL in userName', { schemas: [USER_SCHEMA], userName: 'n\u0000ul@edge.test' }],
    ['a lone surrogate', { schemas: [USER_SCHEMA], userName: 'sur@edge.test', displayName: '\ud800' }],
  ])('refuses %s with 400 invalidValue', async (_label, body) => {
    expectScimError(await scim.call('POST', '/Users', body), 400, 'invalidValue');
  });

  it('refuses a NUL in a filter with 400 invalidFilter', async () => {
    expectScimError(
      await scim.call('GET', `/Users?filter=${encodeURIComponent('userName eq "a\\u0000b"')}`),
      400,
      'invalidFilter',
    );
  });

  it('answers a member filter whose value is no id with 400 noTarget', async () => {
    const group = await scim.createGroup({ schemas: [GROUP_SCHEMA], displayName: 'No target' });
    expectScimError(
      await scim.call('PATCH', `/Groups/${group.id}`, patchBody({ op: 'remove', path: 'members[value eq "nope"]' })),
      400,
      'noTarget',
    );
  });
});

describe('filtering edge cases', () => {
  it('folds case for userName exactly as the unique index does (final sigma)', async () => {
    const user = await scim.createUser({ userName: 'ΟΔΟΣ' });
    expect(await ids('userName eq "ΟΔΟΣ"')).toEqual([user.id]);
    expect(await ids('userName eq "οδοσ"')).toEqual([user.id]);
    expectScimError(await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'οδοσ' }), 409, 'uniqueness');
  });

  it('finds a user through indirect group membership with groups.value (RFC 7643 §4.1.2)', async () => {
    const user = await scim.createUser({ userName: 'deep@edge.test' });
    const inner = await scim.createGroup({ displayName: 'Inner', members: [{ value: user.id }] });
    const outer = await scim.createGroup({ displayName: 'Outer', members: [{ value: inner.id }] });
    expect(await ids(`groups.value eq "${inner.id}"`)).toEqual([user.id]);
    expect(await ids(`groups.value eq "${outer.id}"`)).toEqual([user.id]);
  });

  it('treats an empty string as no value for pr and eq null, in columns and documents alike (RFC 7644 §3.4.2.2)', async () => {
    const blank = await scim.createUser({ userName: 'blank@edge.test', externalId: '', title: '' });
    const filled = await scim.createUser({ userName: 'filled@edge.test', externalId: 'x-1', title: 'T' });
    expect(await ids('userName sw "blank@" or userName sw "filled@"')).toEqual([blank.id, filled.id]);
    for (const attribute of ['externalId', 'title']) {
      expect(await ids(`(userName sw "blank@" or userName sw "filled@") and ${attribute} pr`)).toEqual([filled.id]);
      expect(await ids(`(userName sw "blank@" or userName sw "filled@") and ${attribute} eq null`)).toEqual([blank.id]);
    }
  });

  it('matches active pr only where active was given', async () => {
    const given = await scim.createUser({ userName: 'active-given@edge.test', active: true });
    await scim.createUser({ userName: 'active-absent@edge.test' });
    expect(await ids('active pr and userName sw "active-"')).toEqual([given.id]);
  });

  it('refuses sortBy on meta as a whole and sorts by each of its sub-attributes (RFC 7644 §3.4.2.3)', async () => {
    expectScimError(await scim.call('GET', '/Users?sortBy=meta'), 400, 'invalidValue');
    for (const sub of ['created', 'lastModified', 'resourceType', 'location', 'version']) {
      expect((await scim.call('GET', `/Users?sortBy=meta.${sub}`)).statusCode).toBe(200);
    }
  });
});
