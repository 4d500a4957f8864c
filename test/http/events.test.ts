import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { OutboxStore, type StoredEvent } from '../../src/storage/outbox.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  ENTERPRISE_SCHEMA,
  expectScimError,
  GROUP_SCHEMA,
  patchBody,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

// Every write path appends its events to the outbox in the transaction of its change, and a
// failed request appends none (issue 5, point 1). Read here from the outbox itself.

let t: TestApp;
const outbox = new OutboxStore();

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A fresh tenant, and a reader of the events its requests append. */
async function tenant(): Promise<{ scim: ScimClient; next: () => Promise<StoredEvent[]> }> {
  const scim = await scimTenant(t, 'events');
  let cursor = 0;
  return {
    scim,
    async next() {
      const events = await outbox.after(sqlOf(t.deps.db), scim.tenantId, cursor, 1000);
      cursor = events.at(-1)?.sequence ?? cursor;
      return events;
    },
  };
}

const summary = (events: StoredEvent[]) => events.map((e) => [e.type, e.resourceId, e.changedAttributes]);

describe('events of user writes', () => {
  it('appends user.created with the resource as returned, meta included and no password', async () => {
    const { scim, next } = await tenant();
    const res = await scim.call('POST', '/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      userName: 'ada@events.test',
      externalId: 'okta-ada',
      password: 'Secret-Passw0rd!',
      [ENTERPRISE_SCHEMA]: { department: 'R&D' },
    });
    expect(res.statusCode).toBe(201);
    const user = res.json<Record<string, unknown> & { id: string }>();
    const [created, ...rest] = await next();
    expect(rest).toEqual([]);
    expect(created).toMatchObject({
      type: 'user.created',
      tenantId: scim.tenantId,
      sequence: 1,
      resourceType: 'User',
      resourceId: user.id,
      externalId: 'okta-ada',
      changedAttributes: [],
    });
    expect(created?.data).toEqual(user);
    expect(JSON.stringify(created)).not.toContain('Secret-Passw0rd!');
    expect(JSON.stringify(created?.data)).not.toContain('password');
  });

  it('names the changed attributes of PATCH and PUT, and appends nothing for a change that changes nothing', async () => {
    const { scim, next } = await tenant();
    const user = await scim.createUser({ userName: 'bob@events.test', title: 'Engineer' });
    await next();
    const patched = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody(
        { op: 'replace', path: 'title', value: 'Manager' },
        { op: 'add', path: `${ENTERPRISE_SCHEMA}:manager`, value: { value: 'm-1' } },
      ),
    );
    expect(patched.statusCode).toBe(200);
    const [update] = await next();
    expect(update).toMatchObject({
      type: 'user.updated',
      changedAttributes: ['title', `${ENTERPRISE_SCHEMA}:manager`],
    });
    expect(update?.data).toEqual(patched.json());

    const same = await scim.call(
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'replace', path: 'title', value: 'Manager' }),
    );
    expect(same.statusCode).toBe(200);
    expect(await next()).toEqual([]);

    const put = await scim.call('PUT', `/Users/${user.id}`, {
      schemas: [USER_SCHEMA],
      userName: 'bob@events.test',
      title: 'Manager',
      password: 'N3w-Passw0rd!',
    });
    expect(put.statusCode).toBe(200);
    const [replaced] = await next();
    expect(replaced?.changedAttributes).toEqual(['password', `${ENTERPRISE_SCHEMA}:manager`]);
    expect(JSON.stringify(replaced)).not.toContain('N3w-Passw0rd!');
  });

  it('calls a change of active a deactivation or a reactivation', async () => {
    const { scim, next } = await tenant();
    const user = await scim.createUser({ userName: 'cy@events.test' });
    await next();
    await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'active', value: false }));
    await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', value: { active: true, title: 'Back' } }));
    expect(summary(await next())).toEqual([
      ['user.deactivated', user.id, ['active']],
      ['user.reactivated', user.id, ['active', 'title']],
    ]);
  });

  it('appends user.deleted, and member_removed for each group the user leaves', async () => {
    const { scim, next } = await tenant();
    const user = await scim.createUser({ userName: 'dee@events.test' });
    const a = await scim.createGroup({ displayName: 'A', externalId: 'grp-a', members: [{ value: user.id }] });
    const b = await scim.createGroup({ displayName: 'B', members: [{ value: user.id }] });
    await next();
    expect((await scim.call('DELETE', `/Users/${user.id}`)).statusCode).toBe(204);
    const events = await next();
    expect(events[0]).toMatchObject({ type: 'user.deleted', resourceId: user.id });
    expect(events[0]?.data['userName']).toBe('dee@events.test');
    const removed = events.slice(1).sort((x, y) => (x.resourceId < y.resourceId ? -1 : 1));
    expect(removed.map((e) => [e.type, e.resourceId, e.data])).toEqual(
      [a, b]
        .sort((x, y) => (x.id < y.id ? -1 : 1))
        .map((g) => [
          'group.member_removed',
          g.id,
          { groupId: g.id, member: { value: user.id, type: 'User', $ref: `${scim.base}/Users/${user.id}` } },
        ]),
    );
    expect(removed.find((e) => e.resourceId === a.id)?.externalId).toBe('grp-a');
  });

  it('appends nothing for a request that fails (RFC 7644 §3.12)', async () => {
    const { scim, next } = await tenant();
    const user = await scim.createUser({ userName: 'eve@events.test' });
    await next();
    expectScimError(await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'EVE@events.test' }), 409);
    expectScimError(
      await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'nope', value: 1 })),
      400,
    );
    expectScimError(
      await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: 'x' }), {
        'if-match': 'W/"99"',
      }),
      412,
    );
    expectScimError(await scim.call('DELETE', `/Users/${user.id}`, undefined, { 'if-match': 'W/"99"' }), 412);
    expectScimError(
      await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'nope' }] }),
      400,
    );
    expect(await next()).toEqual([]);
  });

  it('orders concurrent updates of one user as their versions (an order the app can trust)', async () => {
    const { scim, next } = await tenant();
    const user = await scim.createUser({ userName: 'fay@events.test' });
    await next();
    const writers = 16;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: `T${i}` })),
      ),
    );
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    const events = await next();
    expect(events).toHaveLength(writers);
    const versions = events.map((e) => (e.data['meta'] as { version: string }).version);
    expect(versions).toEqual(Array.from({ length: writers }, (_, i) => `W/"${i + 2}"`));
    const final = (await scim.call('GET', `/Users/${user.id}`)).json<{ title: string }>();
    expect(events.at(-1)?.data['title']).toBe(final.title);
  });
});

describe('events of group writes', () => {
  it('appends group.created and one member_added per member', async () => {
    const { scim, next } = await tenant();
    const u1 = await scim.createUser({ userName: 'g1@events.test' });
    const u2 = await scim.createUser({ userName: 'g2@events.test' });
    await next();
    const group = await scim.createGroup({ displayName: 'Team', members: [{ value: u1.id }, { value: u2.id }] });
    const events = await next();
    expect(events[0]).toMatchObject({ type: 'group.created', resourceId: group.id });
    expect(events[0]?.data['members']).toBeUndefined();
    expect((events[0]?.data['meta'] as { version: string }).version).toBe('W/"1"');
    expect(events.slice(1).map((e) => [e.type, (e.data['member'] as { value: string }).value])).toEqual(
      [u1.id, u2.id].sort().map((id) => ['group.member_added', id]),
    );
  });

  it('appends the net membership change of PATCH and PUT, and group.updated for its own attributes', async () => {
    const { scim, next } = await tenant();
    const [u1, u2, u3] = await Promise.all(
      ['p1', 'p2', 'p3'].map((n) => scim.createUser({ userName: `${n}@events.test` })),
    );
    if (u1 === undefined || u2 === undefined || u3 === undefined) throw new Error('users not created');
    const group = await scim.createGroup({ displayName: 'Squad', members: [{ value: u1.id }, { value: u2.id }] });
    await next();
    const memberOf = (e: StoredEvent) => [e.type, (e.data['member'] as { value: string }).value];

    await scim.call(
      'PATCH',
      `/Groups/${group.id}`,
      patchBody({ op: 'add', path: 'members', value: [{ value: u3.id }] }),
    );
    expect((await next()).map(memberOf)).toEqual([['group.member_added', u3.id]]);

    // Adding a member it has changes nothing.
    await scim.call(
      'PATCH',
      `/Groups/${group.id}`,
      patchBody({ op: 'add', path: 'members', value: [{ value: u3.id }] }),
    );
    expect(await next()).toEqual([]);

    await scim.call('PATCH', `/Groups/${group.id}`, patchBody({ op: 'remove', path: `members[value eq "${u1.id}"]` }));
    expect((await next()).map(memberOf)).toEqual([['group.member_removed', u1.id]]);

    // Okta's replace of the whole list: u2 stays, u3 leaves, u1 comes back.
    await scim.call(
      'PATCH',
      `/Groups/${group.id}`,
      patchBody({ op: 'replace', path: 'members', value: [{ value: u2.id }, { value: u1.id }] }),
    );
    expect((await next()).map(memberOf)).toEqual([
      ['group.member_removed', u3.id],
      ['group.member_added', u1.id],
    ]);

    const put = await scim.call('PUT', `/Groups/${group.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Renamed',
      members: [{ value: u1.id }, { value: u2.id }],
    });
    expect(put.statusCode).toBe(200);
    const [renamed, ...others] = await next();
    expect(others).toEqual([]);
    expect(renamed).toMatchObject({ type: 'group.updated', changedAttributes: ['displayName'] });
    expect(renamed?.data['displayName']).toBe('Renamed');
  });

  it('appends group.deleted, and member_removed for the groups it was nested in', async () => {
    const { scim, next } = await tenant();
    const inner = await scim.createGroup({ displayName: 'Inner' });
    const outer = await scim.createGroup({ displayName: 'Outer', members: [{ value: inner.id, type: 'Group' }] });
    await next();
    expect((await scim.call('DELETE', `/Groups/${inner.id}`)).statusCode).toBe(204);
    expect(summary(await next())).toEqual([
      ['group.deleted', inner.id, []],
      ['group.member_removed', outer.id, ['members']],
    ]);
  });
});

describe('events of Bulk (RFC 7644 §3.7)', () => {
  it('appends the events of each operation that succeeds, and none for one that fails', async () => {
    const { scim, next } = await tenant();
    const res = await scim.call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u', data: { schemas: [USER_SCHEMA], userName: 'bulk@events.test' } },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'dup',
          data: { schemas: [USER_SCHEMA], userName: 'BULK@events.test' },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [GROUP_SCHEMA], displayName: 'Bulk', members: [{ value: 'bulkId:u' }] },
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    const statuses = res.json<{ Operations: { status: string }[] }>().Operations.map((o) => o.status);
    expect(statuses).toEqual(['201', '409', '201']);
    expect((await next()).map((e) => e.type)).toEqual(['user.created', 'group.created', 'group.member_added']);
  });
});
