import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import { expectScimError, GROUP_SCHEMA, patchBody, scimTenant, type ScimClient } from '../helpers/scim.js';

let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'groups');
});
afterAll(() => t.close());

interface Member {
  value: string;
  $ref: string;
  type: string;
  display?: string;
}
const memberIds = (body: { members?: Member[] }) => (body.members ?? []).map((m) => m.value).sort();

describe('Groups (RFC 7643 §4.2, RFC 7644 §3)', () => {
  it('creates a group with members, each with $ref, type and display', async () => {
    const ada = await scim.createUser({ userName: 'ada@groups.test', displayName: 'Ada' });
    const bob = await scim.createUser({ userName: 'bob@groups.test' });
    const res = await scim.call('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineers',
      externalId: 'okta-grp-1',
      members: [{ value: ada.id }, { value: bob.id, type: 'User' }],
    });
    expect(res.statusCode).toBe(201);
    const group = res.json<{ id: string; members: Member[]; displayName: string; meta: { resourceType: string } }>();
    expect(group.displayName).toBe('Engineers');
    expect(group.meta.resourceType).toBe('Group');
    expect(res.headers['location']).toBe(`${PUBLIC_URL}/scim/v2/${scim.tenantId}/Groups/${group.id}`);
    expect(group.members).toEqual(
      expect.arrayContaining([
        { value: ada.id, $ref: `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Users/${ada.id}`, type: 'User', display: 'Ada' },
        {
          value: bob.id,
          $ref: `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Users/${bob.id}`,
          type: 'User',
          display: 'bob@groups.test',
        },
      ]),
    );
  });

  it('refuses members that do not exist in the tenant, or of the wrong type, and stores nothing', async () => {
    const other = await scimTenant(t, 'foreign');
    const foreigner = await other.createUser({ userName: 'foreigner@x.test' });
    for (const members of [
      [{ value: foreigner.id }],
      [{ value: '00000000-0000-4000-8000-000000000000' }],
      [{ value: 'not-a-uuid' }],
    ]) {
      expectScimError(
        await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Bad members', members }),
        400,
        'invalidValue',
      );
    }
    const user = await scim.createUser({ userName: 'typed@groups.test' });
    expectScimError(
      await scim.call('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Bad members',
        members: [{ value: user.id, type: 'Group' }],
      }),
      400,
      'invalidValue',
    );
    const list = await scim.call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Bad members"')}`);
    expect(list.json<{ totalResults: number }>().totalResults).toBe(0);
  });

  it('requires displayName (RFC 7643 §4.2)', async () => {
    expectScimError(await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA] }), 400, 'invalidValue');
  });

  it('PATCH adds and removes members one by one, and replaces them all', async () => {
    const users = await Promise.all(['p1', 'p2', 'p3'].map((n) => scim.createUser({ userName: `${n}@groups.test` })));
    const [u1, u2, u3] = users.map((u) => u.id) as [string, string, string];
    const group = await scim.createGroup({ displayName: 'Patchers', members: [{ value: u1 }] });
    const add = await scim.call(
      'PATCH',
      `/Groups/${group.id}?attributes=displayName,members`,
      patchBody({ op: 'add', path: 'members', value: [{ value: u2 }, { value: u3 }] }),
    );
    expect(add.statusCode).toBe(200);
    expect(memberIds(add.json())).toEqual([u1, u2, u3].sort());
    expect(add.headers['etag']).toBe('W/"2"');

    const remove = await scim.call(
      'PATCH',
      `/Groups/${group.id}?attributes=displayName,members`,
      patchBody({ op: 'remove', path: `members[value eq "${u2}"]` }),
    );
    expect(memberIds(remove.json())).toEqual([u1, u3].sort());

    expectScimError(
      await scim.call(
        'PATCH',
        `/Groups/${group.id}?attributes=displayName,members`,
        patchBody({ op: 'remove', path: `members[value eq "${u2}"]` }),
      ),
      400,
      'noTarget',
    );

    const replace = await scim.call(
      'PATCH',
      `/Groups/${group.id}?attributes=displayName,members`,
      patchBody({ op: 'replace', path: 'members', value: [{ value: u2 }] }),
    );
    expect(memberIds(replace.json())).toEqual([u2]);

    const rename = await scim.call(
      'PATCH',
      `/Groups/${group.id}?attributes=displayName,members`,
      patchBody({ op: 'replace', value: { displayName: 'Renamed', members: [{ value: u1 }] } }),
    );
    expect(rename.json()).toMatchObject({ displayName: 'Renamed' });
    expect(memberIds(rename.json())).toEqual([u1]);

    // Without attributes, RFC 7644 §3.5.2 lets the answer be 204: no member list is sent.
    const clear = await scim.call('PATCH', `/Groups/${group.id}`, patchBody({ op: 'remove', path: 'members' }));
    expect(clear.statusCode).toBe(204);
    expect(clear.body).toBe('');
    expect(clear.headers['etag']).toBe('W/"6"');
    expect((await scim.call('GET', `/Groups/${group.id}`)).json<{ members?: unknown }>().members).toBeUndefined();
  });

  it('checks If-Match on a membership-only PATCH and changes nothing when stale (RFC 7644 §3.14)', async () => {
    const user = await scim.createUser({ userName: 'ifmatch@groups.test' });
    const group = await scim.createGroup({ displayName: 'Guarded' });
    const add = patchBody({ op: 'add', path: 'members', value: [{ value: user.id }] });
    expectScimError(await scim.call('PATCH', `/Groups/${group.id}`, add, { 'if-match': 'W/"9"' }), 412);
    const unchanged = await scim.call('GET', `/Groups/${group.id}`);
    expect(unchanged.headers['etag']).toBe('W/"1"');
    expect(unchanged.json<{ members?: unknown }>().members).toBeUndefined();
    const ok = await scim.call('PATCH', `/Groups/${group.id}`, add, { 'if-match': 'W/"1"' });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['etag']).toBe('W/"2"');
    expectScimError(await scim.call('PATCH', '/Groups/00000000-0000-4000-8000-000000000000', add), 404);
  });

  it('refuses member values with unknown sub-attributes in a PATCH, as in a POST', async () => {
    const user = await scim.createUser({ userName: 'subattr@groups.test' });
    const group = await scim.createGroup({ displayName: 'Strict members' });
    const res = await scim.call(
      'PATCH',
      `/Groups/${group.id}`,
      patchBody({ op: 'add', path: 'members', value: [{ value: user.id, role: 'owner' }] }),
    );
    expectScimError(res, 400, 'invalidValue');
  });

  it('a failing operation undoes the member changes before it', async () => {
    const user = await scim.createUser({ userName: 'atomic@groups.test' });
    const group = await scim.createGroup({ displayName: 'Atomic' });
    const res = await scim.call(
      'PATCH',
      `/Groups/${group.id}`,
      patchBody(
        { op: 'add', path: 'members', value: [{ value: user.id }] },
        { op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] },
      ),
    );
    expectScimError(res, 400, 'invalidValue');
    expect((await scim.call('GET', `/Groups/${group.id}`)).json<{ members?: unknown }>().members).toBeUndefined();
  });

  it('nests groups; User.groups lists direct and indirect memberships (RFC 7643 §4.1.2)', async () => {
    const user = await scim.createUser({ userName: 'nested@groups.test' });
    const inner = await scim.createGroup({ displayName: 'Inner', members: [{ value: user.id }] });
    const outer = await scim.createGroup({ displayName: 'Outer', members: [{ value: inner.id, type: 'Group' }] });
    // A cycle must not hang the computation.
    await scim.call(
      'PATCH',
      `/Groups/${inner.id}`,
      patchBody({ op: 'add', path: 'members', value: [{ value: outer.id }] }),
    );
    const body = (await scim.call('GET', `/Users/${user.id}`)).json<{
      groups: { value: string; type: string; display: string; $ref: string }[];
    }>();
    expect(body.groups).toEqual([
      {
        value: inner.id,
        $ref: `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Groups/${inner.id}`,
        display: 'Inner',
        type: 'direct',
      },
      {
        value: outer.id,
        $ref: `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Groups/${outer.id}`,
        display: 'Outer',
        type: 'indirect',
      },
    ]);
    expectScimError(
      await scim.call(
        'PATCH',
        `/Groups/${inner.id}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: inner.id }] }),
      ),
      400,
      'invalidValue',
    );
  });

  it('User.groups reads the same before, during and after a tenant nests a group (RFC 7643 §4.1.2)', async () => {
    // Its own tenant: whether any group of the tenant holds a group decides how groups are read.
    const own = await scimTenant(t, 'groups-nesting');
    const user = await own.createUser({ userName: 'switch@groups.test' });
    const alpha = await own.createGroup({ displayName: 'Alpha', members: [{ value: user.id }] });
    const beta = await own.createGroup({ displayName: 'Beta', members: [{ value: user.id }] });
    const groups = async () =>
      (await own.call('GET', `/Users/${user.id}`)).json<{ groups?: { value: string; type: string }[] }>().groups;
    const listed = async () =>
      (await own.call('GET', `/Users?filter=${encodeURIComponent(`groups.type eq "indirect"`)}`)).json<{
        totalResults: number;
      }>().totalResults;
    const $ref = (id: string) => `${PUBLIC_URL}/scim/v2/${own.tenantId}/Groups/${id}`;
    const direct = [
      { value: alpha.id, $ref: $ref(alpha.id), display: 'Alpha', type: 'direct' },
      { value: beta.id, $ref: $ref(beta.id), display: 'Beta', type: 'direct' },
    ];
    expect(await groups()).toEqual(direct);
    expect(await listed()).toBe(0);

    const outer = await own.createGroup({ displayName: 'Outer', members: [{ value: alpha.id, type: 'Group' }] });
    expect(await groups()).toEqual([
      ...direct,
      { value: outer.id, $ref: $ref(outer.id), display: 'Outer', type: 'indirect' },
    ]);
    expect(await listed()).toBe(1);

    const removed = await own.call(
      'PATCH',
      `/Groups/${outer.id}`,
      patchBody({ op: 'remove', path: `members[value eq "${alpha.id}"]` }),
    );
    expect(removed.statusCode).toBe(204);
    expect(await groups()).toEqual(direct);
    expect(await listed()).toBe(0);
  });

  it('deleting a user removes it from every group', async () => {
    const user = await scim.createUser({ userName: 'leaver@groups.test' });
    const keeper = await scim.createUser({ userName: 'keeper@groups.test' });
    const a = await scim.createGroup({ displayName: 'A', members: [{ value: user.id }, { value: keeper.id }] });
    const b = await scim.createGroup({ displayName: 'B', members: [{ value: user.id }] });
    expect((await scim.call('DELETE', `/Users/${user.id}`)).statusCode).toBe(204);
    expect(memberIds((await scim.call('GET', `/Groups/${a.id}`)).json())).toEqual([keeper.id]);
    expect(memberIds((await scim.call('GET', `/Groups/${b.id}`)).json())).toEqual([]);
  });

  it('excludedAttributes=members leaves the members out; filters match on members.value', async () => {
    const user = await scim.createUser({ userName: 'member@groups.test' });
    const group = await scim.createGroup({ displayName: 'Projected', members: [{ value: user.id }] });
    const res = (await scim.call('GET', `/Groups/${group.id}?excludedAttributes=members`)).json<
      Record<string, unknown>
    >();
    expect(res['members']).toBeUndefined();
    expect(res['displayName']).toBe('Projected');
    const found = await scim.call(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members.value eq "${user.id}"`)}&excludedAttributes=members`,
    );
    expect(found.json<{ Resources: { id: string }[] }>().Resources.map((r) => r.id)).toEqual([group.id]);
    const byName = await scim.call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "projected"')}`);
    expect(byName.json<{ totalResults: number }>().totalResults).toBe(1);
  });

  it('PUT replaces displayName and members; DELETE removes the group', async () => {
    const a = await scim.createUser({ userName: 'put-a@groups.test' });
    const b = await scim.createUser({ userName: 'put-b@groups.test' });
    const group = await scim.createGroup({ displayName: 'Before', members: [{ value: a.id }] });
    const res = await scim.call('PUT', `/Groups/${group.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'After',
      members: [{ value: b.id }],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ displayName: 'After' });
    expect(memberIds(res.json())).toEqual([b.id]);
    expect((await scim.call('DELETE', `/Groups/${group.id}`)).statusCode).toBe(204);
    expectScimError(await scim.call('GET', `/Groups/${group.id}`), 404);
  });
});
