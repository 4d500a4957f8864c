import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  ENTERPRISE_SCHEMA,
  expectScimError,
  PATCH_SCHEMA,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

// Requests as identity providers really send them (issue 6, point 1; docs/providers/README.md):
// each is accepted and means what the provider meant, and responses stay strict RFC 7644.

let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'compat');
});
afterAll(() => t.close());

const patch = (path: string, ...operations: Record<string, unknown>[]) =>
  scim.call('PATCH', path, { schemas: [PATCH_SCHEMA], Operations: operations });

const rulesLogged = () =>
  t.logLines.filter((l) => l['msg'] === 'provider rules applied').map((l) => l['compatRules'] as string[]);

describe('provider rules (scim/compat)', () => {
  it('takes "Replace" and "False" from Entra ID as replace and false, and logs the rules it used', async () => {
    const user = await scim.createUser({ userName: 'entra1@compat.test' });
    const before = rulesLogged().length;
    const res = await patch(`/Users/${user.id}`, { op: 'Replace', path: 'active', value: 'False' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ active: false });
    expect(rulesLogged().slice(before)).toEqual([['boolean-strings', 'patch-op-case']]);
    const back = await patch(`/Users/${user.id}`, { op: 'replace', value: { active: 'TRUE' } });
    expect(back.json()).toMatchObject({ active: true });
  });

  it('reads booleans sent as strings in POST and PUT bodies', async () => {
    const res = await scim.call('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'strings@compat.test',
      active: 'True',
      emails: [{ value: 'strings@compat.test', type: 'work', primary: 'true' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json<{ id: string; active: boolean; emails: { primary: boolean }[] }>();
    expect(user.active).toBe(true);
    expect(user.emails[0]?.primary).toBe(true);
    const put = await scim.call('PUT', `/Users/${user.id}`, {
      schemas: [USER_SCHEMA],
      userName: 'strings@compat.test',
      active: 'false',
    });
    expect(put.json()).toMatchObject({ active: false });
  });

  it('sets each attribute path a pathless PATCH value names by its keys, dotted or URN-qualified', async () => {
    const manager = await scim.createUser({ userName: 'boss@compat.test' });
    const user = await scim.createUser({ userName: 'entra2@compat.test', name: { familyName: 'Lovelace' } });
    const res = await patch(`/Users/${user.id}`, {
      op: 'Add',
      value: {
        'name.givenName': 'Ada',
        displayName: 'Ada Lovelace',
        [`${ENTERPRISE_SCHEMA}:department`]: 'Research',
        [`${ENTERPRISE_SCHEMA}:manager`]: manager.id,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      displayName: 'Ada Lovelace',
      [ENTERPRISE_SCHEMA]: { department: 'Research', manager: { value: manager.id } },
    });
    const again = await patch(`/Users/${user.id}`, {
      op: 'replace',
      value: { [`${ENTERPRISE_SCHEMA}:manager.value`]: 'other-manager' },
    });
    expect(again.json()).toMatchObject({ [ENTERPRISE_SCHEMA]: { manager: { value: 'other-manager' } } });
  });

  it('takes manager as a bare id, and removes it on replace with an empty value or on remove', async () => {
    const user = await scim.createUser({ userName: 'entra3@compat.test' });
    const path = `${ENTERPRISE_SCHEMA}:manager`;
    const set = await patch(`/Users/${user.id}`, { op: 'replace', path, value: 'm-1' });
    expect(set.json()).toMatchObject({ [ENTERPRISE_SCHEMA]: { manager: { value: 'm-1' } } });
    const cleared = await patch(`/Users/${user.id}`, { op: 'Replace', path, value: '' });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json<Record<string, unknown>>()[ENTERPRISE_SCHEMA]).toBeUndefined();
    await patch(`/Users/${user.id}`, { op: 'replace', path, value: { value: 'm-2' } });
    const removed = await patch(`/Users/${user.id}`, { op: 'remove', path });
    expect(removed.json<Record<string, unknown>>()[ENTERPRISE_SCHEMA]).toBeUndefined();
  });

  it('removes only the members a "remove" lists in its value, with no filter in the path', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => scim.createUser({ userName: `${n}@members.test` })));
    if (a === undefined || b === undefined || c === undefined) throw new Error('users missing');
    const group = await scim.createGroup({
      displayName: 'Listed',
      members: [{ value: a.id }, { value: b.id }, { value: c.id }],
    });
    const res = await patch(`/Groups/${group.id}`, {
      op: 'Remove',
      path: 'members',
      value: [{ value: a.id }, { value: c.id }],
    });
    expect(res.statusCode, res.body).toBe(204);
    const members = (await scim.call('GET', `/Groups/${group.id}`)).json<{ members: { value: string }[] }>().members;
    expect(members.map((m) => m.value)).toEqual([b.id]);
  });

  it('creates the element a value-filter path names when none matches yet, for add and replace', async () => {
    const user = await scim.createUser({
      userName: 'entra4@compat.test',
      emails: [{ value: 'home@x.test', type: 'home' }],
    });
    const res = await patch(
      `/Users/${user.id}`,
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'work@x.test' },
      { op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      emails: [
        { value: 'home@x.test', type: 'home' },
        { value: 'work@x.test', type: 'work' },
      ],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
    });
    // An existing match is replaced, not duplicated.
    const again = await patch(`/Users/${user.id}`, {
      op: 'replace',
      path: 'emails[type eq "work"].value',
      value: 'new@x.test',
    });
    expect(again.json<{ emails: unknown[] }>().emails).toHaveLength(2);
    // A filter that is not a plain equality still selects nothing: noTarget (RFC 7644 §3.5.2.3).
    expectScimError(
      await patch(`/Users/${user.id}`, { op: 'replace', path: 'emails[value co "nowhere"].value', value: 'x' }),
      400,
      'noTarget',
    );
  });

  it('reads emails[type eq "work"].value eq "…" as a filter on one email', async () => {
    await scim.createUser({ userName: 'entra5@compat.test', emails: [{ value: 'five@work.test', type: 'work' }] });
    await scim.createUser({
      userName: 'entra6@compat.test',
      emails: [
        { value: 'six@work.test', type: 'home' },
        { value: 'other@work.test', type: 'work' },
      ],
    });
    const found = async (filter: string) =>
      (await scim.call('GET', `/Users?filter=${encodeURIComponent(filter)}`))
        .json<{ Resources: { userName: string }[] }>()
        .Resources.map((r) => r.userName);
    expect(await found('emails[type eq "work"].value eq "five@work.test"')).toEqual(['entra5@compat.test']);
    expect(await found('emails[type eq "work"].value eq "six@work.test"')).toEqual([]);
  });

  it('takes the shapes JumpCloud and Okta send for groups, and a PUT carrying read-only attributes', async () => {
    const member = await scim.createUser({ userName: 'keep@compat.test' });
    const group = await scim.createGroup({ displayName: 'Before' });
    // JumpCloud renames a group with a pathless replace that carries the group's own id.
    const renamed = await patch(`/Groups/${group.id}?attributes=displayName`, {
      op: 'replace',
      value: { id: group.id, displayName: 'After' },
    });
    expect(renamed.json()).toMatchObject({ displayName: 'After' });
    // Okta sends the whole member list with replace.
    await patch(`/Groups/${group.id}`, { op: 'replace', path: 'members', value: [{ value: member.id }] });
    const full = (await scim.call('GET', `/Groups/${group.id}`)).json<{ members: { value: string }[] }>();
    expect(full.members.map((m) => m.value)).toEqual([member.id]);
    // A PUT of the user as last read, read-only attributes and all, with a new userName.
    const current = (await scim.call('GET', `/Users/${member.id}`)).json<Record<string, unknown>>();
    const put = await scim.call('PUT', `/Users/${member.id}`, { ...current, userName: 'renamed@compat.test' });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ id: member.id, userName: 'renamed@compat.test' });
    // Another id in the value is a change of a readOnly attribute, still refused.
    expectScimError(
      await patch(`/Groups/${group.id}`, { op: 'replace', value: { id: member.id, displayName: 'X' } }),
      400,
      'mutability',
    );
  });

  it('still refuses what no provider means: an unknown op, a boolean that is no boolean', async () => {
    const user = await scim.createUser({ userName: 'strict@compat.test' });
    expectScimError(
      await patch(`/Users/${user.id}`, { op: 'Explode', path: 'title', value: 'x' }),
      400,
      'invalidSyntax',
    );
    expectScimError(await patch(`/Users/${user.id}`, { op: 'replace', path: 'active', value: 'yes' }), 400);
  });
});
