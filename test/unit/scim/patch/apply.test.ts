import { describe, expect, it } from 'vitest';

import { ScimError, type ScimType } from '../../../../src/scim/errors.js';
import { parsePatchPath } from '../../../../src/scim/filter/parse.js';
import { applyPatch } from '../../../../src/scim/patch/apply.js';
import { parsePatchRequest, PATCH_OP_SCHEMA, type PatchOperation } from '../../../../src/scim/patch/request.js';
import type { JsonObject, JsonValue } from '../../../../src/scim/resource/json.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';
import { type ResourceTypeDefinition } from '../../../../src/scim/schema/registry.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BABS = '2819c223-7f76-453a-919d-413861904646';
const JAMES = '08e1d05d-121c-4561-8b96-473d93df9210';

/** Operations as a client sends them, parsed as the service parses them. */
function operations(...list: JsonValue[]): PatchOperation[] {
  return parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: list });
}

function patch(type: ResourceTypeDefinition, document: JsonObject, ...list: JsonValue[]) {
  return applyPatch(type, document, operations(...list));
}

function failure(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

function expectScimError(run: () => unknown, scimType: ScimType, detail?: RegExp): void {
  const error = failure(run);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe(scimType);
  if (detail !== undefined) expect(error.detail).toMatch(detail);
}

const babs = (): JsonObject => ({
  schemas: [USER_SCHEMA],
  id: BABS,
  externalId: 'bjensen',
  meta: { resourceType: 'User', created: '2011-08-01T18:29:49.793Z', version: 'W/"f250dd84f0671c3"' },
  userName: 'bjensen@example.com',
  name: { familyName: 'Jensen', givenName: 'Barbara' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [
    { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', primary: true },
    { type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood' },
  ],
  groups: [{ value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Tour Guides' }],
});

const tourGuides = (): JsonObject => ({
  schemas: [GROUP_SCHEMA],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  members: [
    { value: BABS, $ref: `https://example.com/v2/Users/${BABS}`, display: 'Babs Jensen', type: 'User' },
    { value: JAMES, $ref: `https://example.com/v2/Users/${JAMES}`, display: 'James Smith', type: 'User' },
  ],
});

describe('RFC 7644 §3.5.2.1 add', () => {
  it('adds a member to a group (the §3.5.2.1 example) and reports "members" as changed', () => {
    const group = { ...tourGuides(), members: [] };
    const member = { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS}`, value: BABS };
    const { document, changed } = patch(GROUP_RESOURCE_TYPE, group, { op: 'add', path: 'members', value: [member] });
    expect(document.members).toEqual([member]);
    expect(changed).toEqual(['members']);
  });

  it('makes no change when the user already is a member ("no changes SHOULD be made")', () => {
    const group = tourGuides();
    const { document, changed } = patch(GROUP_RESOURCE_TYPE, group, {
      op: 'add',
      path: 'members',
      value: [{ value: BABS, display: 'Babs Jensen' }],
    });
    expect(document).toEqual(group);
    expect(changed).toEqual([]);
  });

  it('without a path appends to "emails" and sets "nickName" (the §3.5.2.1 example, names case-insensitive)', () => {
    const { document, changed } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'add',
      value: { emails: [{ value: 'babs@jensen.net', type: 'home' }], nickname: 'Babs' },
    });
    expect(document.emails).toEqual([...(babs().emails as JsonValue[]), { value: 'babs@jensen.net', type: 'home' }]);
    expect(document.nickName).toBe('Babs');
    expect(changed).toEqual(['nickName', 'emails']);
  });

  it('replaces an existing single-valued attribute ("the existing value is replaced")', () => {
    const { document } = patch(
      USER_RESOURCE_TYPE,
      { ...babs(), nickName: 'B' },
      { op: 'add', path: 'nickName', value: 'Babs' },
    );
    expect(document.nickName).toBe('Babs');
  });

  it('merges a complex value sub-attribute by sub-attribute', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'add',
      path: 'name',
      value: { givenName: 'Babs', MiddleName: 'J' },
    });
    expect(document.name).toEqual({ familyName: 'Jensen', givenName: 'Babs', middleName: 'J' });
  });

  it('sets a sub-attribute of a complex attribute, creating the parent', () => {
    const { name: _name, ...user } = babs();
    const { document } = patch(USER_RESOURCE_TYPE, user, { op: 'add', path: 'name.givenName', value: 'Barbara' });
    expect(document.name).toEqual({ givenName: 'Barbara' });
  });

  it('appends a single element given to a multi-valued attribute', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'add',
      path: 'phoneNumbers',
      value: { value: 'tel:+1-201-555-0123', type: 'work' },
    });
    expect(document.phoneNumbers).toEqual([{ value: 'tel:+1-201-555-0123', type: 'work' }]);
  });

  it('sets a sub-attribute on every element a value filter selects', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'add',
      path: 'emails[type eq "work"].display',
      value: 'Work',
    });
    expect(document.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true, display: 'Work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
  });

  it('fails with noTarget when a value filter matches nothing (§3.12 noTarget)', () => {
    expectScimError(
      () =>
        patch(USER_RESOURCE_TYPE, babs(), { op: 'add', path: 'emails[type eq "other"].value', value: 'x@example.com' }),
      'noTarget',
      /^Operations\[0\]: /,
    );
  });

  it('adds a value to an immutable attribute that had none (§3.5.2)', () => {
    const group = { ...tourGuides(), members: [{ value: BABS }] };
    const { document } = patch(GROUP_RESOURCE_TYPE, group, {
      op: 'add',
      path: `members[value eq "${BABS}"].display`,
      value: 'Babs Jensen',
    });
    expect(document.members).toEqual([{ value: BABS, display: 'Babs Jensen' }]);
  });
});

describe('RFC 7644 §3.5.2.2 remove', () => {
  it('removes a single member with a value filter (the §3.5.2.2 example)', () => {
    const { document, changed } = patch(GROUP_RESOURCE_TYPE, tourGuides(), {
      op: 'remove',
      path: `members[value eq "${BABS}"]`,
    });
    expect(document.members).toEqual([(tourGuides().members as JsonValue[])[1]]);
    expect(changed).toEqual(['members']);
  });

  it('removes all members (the §3.5.2.2 example), leaving the attribute unassigned', () => {
    const { document } = patch(GROUP_RESOURCE_TYPE, tourGuides(), { op: 'remove', path: 'members' });
    expect(document).not.toHaveProperty('members');
  });

  it('removes the emails a complex filter matches (the §3.5.2.2 example)', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'remove',
      path: 'emails[type eq "work" and value ew "example.com"]',
    });
    expect(document.emails).toEqual([{ value: 'babs@jensen.org', type: 'home' }]);
  });

  it('unassigns the attribute when its last value is removed', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), { op: 'remove', path: 'emails[value co "@"]' });
    expect(document).not.toHaveProperty('emails');
  });

  it('removes one member and adds another in one request (the §3.5.2.2 example)', () => {
    const newcomer = { display: 'Jim Doe', $ref: 'https://example.com/v2/Users/902c246b', value: '902c246b' };
    const { document } = patch(
      GROUP_RESOURCE_TYPE,
      tourGuides(),
      { op: 'remove', path: `members[value eq "${BABS}"]` },
      { op: 'add', path: 'members', value: [newcomer] },
    );
    expect(document.members).toEqual([(tourGuides().members as JsonValue[])[1], newcomer]);
  });

  it('replaces all members by removing them and adding a new list (the §3.5.2.2 example)', () => {
    const list = [
      { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS}`, value: BABS },
      { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d', value: '08e1d05d' },
    ];
    const { document } = patch(
      GROUP_RESOURCE_TYPE,
      tourGuides(),
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: list },
    );
    expect(document.members).toEqual(list);
  });

  it('removes a sub-attribute from the selected values', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'remove',
      path: 'addresses[type eq "home"].locality',
    });
    expect(document.addresses).toEqual([
      (babs().addresses as JsonValue[])[0],
      { type: 'home', streetAddress: '456 Hollywood Blvd' },
    ]);
  });

  it('removes a sub-attribute of a complex attribute, and the parent once it is empty', () => {
    const first = patch(USER_RESOURCE_TYPE, babs(), { op: 'remove', path: 'name.givenName' });
    expect(first.document.name).toEqual({ familyName: 'Jensen' });
    const second = applyPatch(
      USER_RESOURCE_TYPE,
      first.document,
      operations({ op: 'remove', path: 'name.familyName' }),
    );
    expect(second.document).not.toHaveProperty('name');
  });

  it('treats removing an unassigned attribute as already done', () => {
    const { document, changed } = patch(USER_RESOURCE_TYPE, babs(), { op: 'remove', path: 'nickName' });
    expect(document).toEqual(babs());
    expect(changed).toEqual([]);
  });

  it('fails with noTarget when the value filter matches nothing (§3.12 noTarget)', () => {
    expectScimError(
      () => patch(GROUP_RESOURCE_TYPE, tourGuides(), { op: 'remove', path: 'members[value eq "nobody"]' }),
      'noTarget',
    );
  });

  it('ignores a "value" sent with remove: §3.5.2.2 gives it no meaning', () => {
    const { document } = patch(GROUP_RESOURCE_TYPE, tourGuides(), {
      op: 'remove',
      path: 'members',
      value: [{ value: BABS }],
    });
    expect(document).not.toHaveProperty('members');
  });

  it('refuses to remove a required attribute with mutability (userName; Group displayName)', () => {
    expectScimError(
      () => patch(USER_RESOURCE_TYPE, babs(), { op: 'remove', path: 'userName' }),
      'mutability',
      /userName/,
    );
    expectScimError(
      () => patch(GROUP_RESOURCE_TYPE, tourGuides(), { op: 'remove', path: 'displayName' }),
      'mutability',
      /displayName/,
    );
    expectScimError(
      () => patch(USER_RESOURCE_TYPE, babs(), { op: 'replace', path: 'userName', value: null }),
      'mutability',
    );
  });
});

describe('RFC 7644 §3.5.2.3 replace', () => {
  it('replaces all members (the §3.5.2.3 example)', () => {
    const list = [
      { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS}`, value: BABS },
      { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d', value: '08e1d05d' },
    ];
    const group = { ...tourGuides(), members: [{ value: 'someone-else' }] };
    const { document } = patch(GROUP_RESOURCE_TYPE, group, { op: 'replace', path: 'members', value: list });
    expect(document.members).toEqual(list);
  });

  it('replaces the whole "work" address and demotes the other primary (the §3.5.2.3 example)', () => {
    const user: JsonObject = {
      ...babs(),
      addresses: [
        { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood' },
        { type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood', primary: true },
      ],
    };
    const work = {
      type: 'work',
      streetAddress: '911 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'US',
      formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
      primary: true,
    };
    const { document } = patch(USER_RESOURCE_TYPE, user, {
      op: 'replace',
      path: 'addresses[type eq "work"]',
      value: work,
    });
    expect(document.addresses).toEqual([
      work,
      { type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood', primary: false },
    ]);
  });

  it('replaces "streetAddress" of the selected address (the §3.5.2.3 example)', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'replace',
      path: 'addresses[type eq "work"].streetAddress',
      value: '1111 Broadway Ave',
    });
    expect(document.addresses).toEqual([
      { type: 'work', streetAddress: '1111 Broadway Ave', locality: 'Hollywood', primary: true },
      (babs().addresses as JsonValue[])[1],
    ]);
  });

  it('replaces the named attributes without a path, leaving the others (the §3.5.2.3 example)', () => {
    const emails: JsonObject[] = [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ];
    const user = { ...babs(), emails: [{ value: 'old@example.com', type: 'other' }] };
    const { document, changed } = patch(USER_RESOURCE_TYPE, user, {
      op: 'replace',
      value: { emails, nickName: 'Babs' },
    });
    expect(document).toEqual({ ...user, emails, nickName: 'Babs' });
    expect(changed).toEqual(['nickName', 'emails']);
  });

  it('treats a replace of an unassigned attribute as an add', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), { op: 'replace', path: 'title', value: 'Tour Guide' });
    expect(document.title).toBe('Tour Guide');
  });

  it('leaves sub-attributes not in the value unchanged when replacing a complex attribute', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'replace',
      path: 'name',
      value: { givenName: 'Babs' },
    });
    expect(document.name).toEqual({ familyName: 'Jensen', givenName: 'Babs' });
  });

  it('fails with noTarget when the value filter matches nothing', () => {
    expectScimError(
      () =>
        patch(USER_RESOURCE_TYPE, babs(), { op: 'replace', path: 'emails[type eq "other"]', value: { value: 'x' } }),
      'noTarget',
    );
  });

  it('addresses core attributes through their schema URN', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'replace',
      path: `${USER_SCHEMA}:name.givenName`,
      value: 'Babs',
    });
    expect(document.name).toEqual({ familyName: 'Jensen', givenName: 'Babs' });
  });

  it('compares path names case-insensitively (RFC 7643 §2.1)', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'replace',
      path: 'EMAILS[TYPE eq "WORK"].Value',
      value: 'barbara@example.com',
    });
    expect((document.emails as JsonObject[])[0]).toEqual({ value: 'barbara@example.com', type: 'work', primary: true });
  });
});

describe('RFC 7644 §3.5.2 schema extensions', () => {
  const managed = {
    value: '26118915-6090-4610-87a4-49d0b2c2d8a8',
    $ref: '../Users/26118915-6090-4610-87a4-49d0b2c2d8a8',
  };

  it('sets the manager through its URN path and lists the extension in "schemas"', () => {
    const { document, changed } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'add',
      path: `${ENTERPRISE}:manager`,
      value: managed,
    });
    expect(document[ENTERPRISE]).toEqual({ manager: managed });
    expect(document.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(changed).toEqual([`${ENTERPRISE}:manager`]);
  });

  it('replaces manager.value through its URN path', () => {
    const user = { ...babs(), schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: managed } };
    const { document } = patch(USER_RESOURCE_TYPE, user, {
      op: 'replace',
      path: `${ENTERPRISE}:manager.value`,
      value: 'a-new-manager',
    });
    expect(document[ENTERPRISE]).toEqual({ manager: { ...managed, value: 'a-new-manager' } });
  });

  it('accepts extension attributes under their URN without a path', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'add',
      value: { [ENTERPRISE]: { employeeNumber: '701984', Department: 'Tour Operations' } },
    });
    expect(document[ENTERPRISE]).toEqual({ employeeNumber: '701984', department: 'Tour Operations' });
    expect(document.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
  });

  it('accepts fully qualified attribute names as keys of a value without a path', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'replace',
      value: { [`${ENTERPRISE}:costCenter`]: '4130', displayName: 'Babs' },
    });
    expect(document[ENTERPRISE]).toEqual({ costCenter: '4130' });
    expect(document.displayName).toBe('Babs');
  });

  it('drops the extension object and its URN when its last attribute is removed', () => {
    const user = { ...babs(), schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { employeeNumber: '701984' } };
    const { document, changed } = patch(USER_RESOURCE_TYPE, user, {
      op: 'remove',
      path: `${ENTERPRISE}:employeeNumber`,
    });
    expect(document).toEqual(babs());
    expect(changed).toEqual([`${ENTERPRISE}:employeeNumber`]);
  });

  it('removes a whole extension named by its bare URN', () => {
    const user = {
      ...babs(),
      schemas: [USER_SCHEMA, ENTERPRISE],
      [ENTERPRISE]: { employeeNumber: '701984', manager: managed },
    };
    const viaAttrPath = patch(USER_RESOURCE_TYPE, user, { op: 'remove', path: ENTERPRISE });
    expect(viaAttrPath.document).toEqual(babs());
    const viaSchemaList = applyPatch(USER_RESOURCE_TYPE, user, [
      { op: 'remove', path: parsePatchPath(ENTERPRISE, { schemaUrns: [USER_SCHEMA, ENTERPRISE] }) },
    ]);
    expect(viaSchemaList.document).toEqual(babs());
    expect(viaSchemaList.changed).toEqual([`${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager`]);
  });

  it('requires the URN for extension attributes', () => {
    expectScimError(
      () => patch(USER_RESOURCE_TYPE, babs(), { op: 'add', path: 'employeeNumber', value: '1' }),
      'invalidPath',
    );
  });
});

describe('RFC 7644 §3.5.2 mutability', () => {
  it.each([
    ['id', { op: 'replace', path: 'id', value: 'another-id' }],
    ['meta', { op: 'remove', path: 'meta' }],
    ['meta', { op: 'replace', path: 'meta.version', value: 'W/"1"' }],
    ['groups', { op: 'add', path: 'groups', value: [{ value: 'another-group' }] }],
    ['groups', { op: 'remove', path: 'groups' }],
  ])('refuses to modify the readOnly %s', (name, operation) => {
    expectScimError(
      () => patch(USER_RESOURCE_TYPE, babs(), operation),
      'mutability',
      new RegExp(`"${name}" is readOnly`),
    );
  });

  it('refuses to set the readOnly manager.displayName, by path or inside a value', () => {
    expectScimError(
      () => patch(USER_RESOURCE_TYPE, babs(), { op: 'add', path: `${ENTERPRISE}:manager.displayName`, value: 'Boss' }),
      'mutability',
    );
    expectScimError(
      () =>
        patch(USER_RESOURCE_TYPE, babs(), {
          op: 'add',
          path: `${ENTERPRISE}:manager`,
          value: { value: 'm', displayName: 'Boss' },
        }),
      'mutability',
    );
  });

  it('accepts an operation that leaves a readOnly attribute as it was (a client echoing "id")', () => {
    const { document, changed } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'replace',
      value: { id: BABS, nickName: 'Babs' },
    });
    expect(document.id).toBe(BABS);
    expect(changed).toEqual(['nickName']);
  });

  it('refuses to change or remove an immutable sub-attribute that has a value (members.display)', () => {
    expectScimError(
      () =>
        patch(GROUP_RESOURCE_TYPE, tourGuides(), {
          op: 'replace',
          path: `members[value eq "${BABS}"].display`,
          value: 'Barbara Jensen',
        }),
      'mutability',
      /members\.display/,
    );
    expectScimError(
      () => patch(GROUP_RESOURCE_TYPE, tourGuides(), { op: 'remove', path: `members[value eq "${BABS}"].display` }),
      'mutability',
    );
    expectScimError(
      () =>
        patch(GROUP_RESOURCE_TYPE, tourGuides(), {
          op: 'replace',
          path: `members[value eq "${BABS}"]`,
          value: { value: 'someone-else' },
        }),
      'mutability',
    );
  });
});

describe('RFC 7644 §3.5.2 "primary"', () => {
  it('sets "primary" to false on the other values when an added value is primary', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'add',
      path: 'emails',
      value: [{ value: 'barbara@jensen.org', type: 'other', primary: true }],
    });
    expect(document.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'barbara@jensen.org', type: 'other', primary: true },
    ]);
  });

  it('moves "primary" when a filtered sub-attribute sets it', () => {
    const { document } = patch(USER_RESOURCE_TYPE, babs(), {
      op: 'replace',
      path: 'emails[type eq "home"].primary',
      value: true,
    });
    expect(document.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ]);
  });

  it('rejects two values made primary by one operation (RFC 7643 §2.4)', () => {
    expectScimError(
      () =>
        patch(USER_RESOURCE_TYPE, babs(), {
          op: 'add',
          path: 'emails',
          value: [
            { value: 'a@example.com', primary: true },
            { value: 'b@example.com', primary: true },
          ],
        }),
      'invalidValue',
    );
  });
});

describe('RFC 7644 §3.5.2 atomicity', () => {
  it('throws on a failing second operation and leaves the input unchanged', () => {
    const user = babs();
    const before = structuredClone(user);
    expectScimError(
      () =>
        patch(
          USER_RESOURCE_TYPE,
          user,
          { op: 'replace', path: 'nickName', value: 'Babs' },
          { op: 'remove', path: 'emails[type eq "work"]' },
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@example.com' },
        ),
      'noTarget',
      /^Operations\[2\]: /,
    );
    expect(user).toEqual(before);
  });

  it('applies operations in order, each on the result of the previous one', () => {
    const { document } = patch(
      USER_RESOURCE_TYPE,
      babs(),
      { op: 'add', path: 'emails', value: { value: 'new@example.com', type: 'other' } },
      { op: 'replace', path: 'emails[type eq "other"].display', value: 'New' },
    );
    expect((document.emails as JsonObject[])[2]).toEqual({ value: 'new@example.com', type: 'other', display: 'New' });
  });
});

describe('RFC 7644 §3.12 errors', () => {
  it.each<[string, JsonValue, ScimType]>([
    ['an unknown attribute', { op: 'add', path: 'shoeSize', value: 44 }, 'invalidPath'],
    ['an unknown attribute without path', { op: 'add', value: { shoeSize: 44 } }, 'invalidPath'],
    ['"schemas" as a path', { op: 'replace', path: 'schemas', value: [USER_SCHEMA] }, 'invalidPath'],
    ['a filter on a single-valued attribute', { op: 'remove', path: 'name[givenName eq "Babs"]' }, 'invalidPath'],
    ['an unknown sub-attribute in a filter', { op: 'remove', path: 'emails[kind eq "work"]' }, 'invalidPath'],
    ['an unknown sub-attribute after a filter', { op: 'remove', path: 'emails[type eq "work"].kind' }, 'invalidPath'],
    ['an ordering of booleans', { op: 'remove', path: 'emails[primary gt true]' }, 'invalidFilter'],
    ['a string for a complex attribute', { op: 'replace', path: 'name', value: 'Babs Jensen' }, 'invalidValue'],
    ['an array for a single-valued attribute', { op: 'replace', path: 'nickName', value: ['Babs'] }, 'invalidValue'],
    [
      'an unknown sub-attribute in a value',
      { op: 'add', path: 'emails', value: { value: 'a', kind: 'b' } },
      'invalidValue',
    ],
    ['a value without path that is no object', { op: 'replace', value: 'Babs' }, 'invalidValue'],
    ['a null element of a multi-valued attribute', { op: 'add', path: 'emails', value: [null] }, 'invalidValue'],
  ])('rejects %s', (_case, operation, scimType) => {
    expectScimError(() => patch(USER_RESOURCE_TYPE, babs(), operation), scimType, /^Operations\[0\]: /);
  });
});
