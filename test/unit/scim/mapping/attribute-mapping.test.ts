import { describe, expect, it } from 'vitest';

import { ScimError } from '../../../../src/scim/errors.js';
import {
  attributeMappingBody,
  mapResource,
  parseAttributeMapping,
  type CompiledAttributeMapping,
} from '../../../../src/scim/mapping/attribute-mapping.js';
import { DEFAULT_ATTRIBUTE_MAPPING } from '../../../../src/scim/mapping/default-mapping.js';
import type { JsonObject } from '../../../../src/scim/resource/json.js';
import {
  GROUP_RESOURCE_TYPE,
  USER_RESOURCE_TYPE,
  defaultRegistry,
} from '../../../../src/scim/schema/built-in-types.js';
import { SchemaRegistry } from '../../../../src/scim/schema/registry.js';
import type { SchemaDefinition } from '../../../../src/scim/schema/types.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';

/**
 * Entra's custom extension attributes arrive under a schema of the app's own naming
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/customize-application-attributes,
 * "Provisioning a custom extension attribute to a SCIM compliant application").
 */
const customSchema: SchemaDefinition = {
  id: CUSTOM,
  name: 'CustomExtension',
  description: 'Custom attributes',
  attributes: [
    {
      name: 'CustomAttribute',
      type: 'string',
      multiValued: false,
      description: 'A custom attribute',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    },
  ],
};
const entraRegistry = new SchemaRegistry([
  {
    ...USER_RESOURCE_TYPE,
    schemaExtensions: [...USER_RESOURCE_TYPE.schemaExtensions, { schema: customSchema, required: false }],
  },
  GROUP_RESOURCE_TYPE,
]);

const compiledDefault = parseAttributeMapping(DEFAULT_ATTRIBUTE_MAPPING, defaultRegistry);

const meta = (resourceType: string) => ({
  resourceType,
  created: '2024-05-01T10:00:00.000Z',
  lastModified: '2024-05-01T10:00:00.000Z',
  location: `https://scim.example.com/scim/v2/${resourceType}s/x`,
  version: 'W/"1"',
});

/**
 * What the service returns for the user Okta creates
 * (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20, "Create the User"),
 * with one group membership.
 */
const oktaUser: JsonObject = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: '00ujl29u0le5T6Aj10h7',
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  active: true,
  groups: [{ value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Engineering', $ref: 'https://x/Groups/e9e3' }],
  meta: meta('User'),
};

/**
 * What the service returns for the user Entra creates
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups,
 * "Create User"), with the enterprise attributes Entra maps by default.
 */
const entraUser: JsonObject = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: '48af03ac28ad4fb88478',
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
  [ENTERPRISE]: { department: 'Test_Department', manager: { value: 'Test_Manager_ID' } },
  meta: meta('User'),
};

function mappingError(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

/** The 400 detail for a User mapping of one field `f` to `paths`. */
const userProblem = (paths: string | string[], registry = defaultRegistry) =>
  mappingError(() => parseAttributeMapping({ User: { f: paths } }, registry));

const userMapping = (fields: Record<string, string | string[]>, registry = defaultRegistry): CompiledAttributeMapping =>
  parseAttributeMapping({ User: fields }, registry);

describe('the default attribute mapping', () => {
  it('parses against the built-in registry and reads back unchanged', () => {
    expect(attributeMappingBody(compiledDefault)).toEqual(DEFAULT_ATTRIBUTE_MAPPING);
  });

  it('maps a user Okta created: primary email, name parts, its groups, no enterprise data', () => {
    expect(mapResource(compiledDefault, 'User', oktaUser)).toEqual({
      id: '2819c223-7f76-453a-919d-413861904646',
      externalId: '00ujl29u0le5T6Aj10h7',
      userName: 'test.user@okta.local',
      email: 'test.user@okta.local',
      firstName: 'Test',
      lastName: 'User',
      displayName: 'Test User',
      active: true,
      department: null,
      manager: null,
      groups: [
        { value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Engineering', $ref: 'https://x/Groups/e9e3' },
      ],
    });
  });

  it('maps a user Entra created: enterprise department and manager under their URN, no displayName', () => {
    expect(mapResource(compiledDefault, 'User', entraUser)).toEqual({
      id: '48af03ac28ad4fb88478',
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      email: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
      firstName: 'givenName',
      lastName: 'familyName',
      displayName: null,
      active: true,
      department: 'Test_Department',
      manager: 'Test_Manager_ID',
      groups: null,
    });
  });

  it('takes the primary email even when a work email comes first', () => {
    const user: JsonObject = {
      ...oktaUser,
      emails: [
        { value: 'work@example.com', type: 'work' },
        { value: 'home@example.com', type: 'home', primary: true },
      ],
    };
    expect(mapResource(compiledDefault, 'User', user)?.email).toBe('home@example.com');
  });

  it('falls back to the first work email when no email is primary', () => {
    const user: JsonObject = {
      ...oktaUser,
      emails: [
        { value: 'home@example.com', type: 'home' },
        { value: 'first-work@example.com', type: 'work', primary: false },
        { value: 'second-work@example.com', type: 'work' },
      ],
    };
    expect(mapResource(compiledDefault, 'User', user)?.email).toBe('first-work@example.com');
  });

  it('falls back to the first email with a value when none is primary or work', () => {
    const user: JsonObject = {
      ...oktaUser,
      emails: [{ type: 'other' }, { value: 'home@example.com', type: 'home' }, { value: 'other@example.com' }],
    };
    expect(mapResource(compiledDefault, 'User', user)?.email).toBe('home@example.com');
  });

  it('maps a user without any email to email null, the field still present', () => {
    const { emails: _emails, ...withoutEmails } = oktaUser;
    const mapped = mapResource(compiledDefault, 'User', withoutEmails);
    expect(mapped).toHaveProperty('email', null);
    expect(mapResource(compiledDefault, 'User', { ...oktaUser, emails: [] })).toHaveProperty('email', null);
  });

  it('maps a group to its id, externalId, displayName and member objects', () => {
    const group: JsonObject = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
      displayName: 'Engineering',
      members: [{ value: '2819c223-7f76-453a-919d-413861904646', display: 'Test User', type: 'User' }],
      meta: meta('Group'),
    };
    expect(mapResource(compiledDefault, 'Group', group)).toEqual({
      id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
      externalId: null,
      displayName: 'Engineering',
      members: [{ value: '2819c223-7f76-453a-919d-413861904646', display: 'Test User', type: 'User' }],
    });
  });
});

describe('mapResource', () => {
  it('is undefined for a resource type the mapping has no entry for', () => {
    expect(mapResource(userMapping({ name: 'userName' }), 'Group', { id: 'g' })).toBeUndefined();
  });

  it('finds the type by id case-insensitively', () => {
    expect(mapResource(userMapping({ login: 'userName' }), 'user', oktaUser)).toEqual({
      login: 'test.user@okta.local',
    });
  });

  it('matches path names and resource keys case-insensitively (RFC 7643 §2.1)', () => {
    const compiled = userMapping({
      email: 'EMAILS[TYPE eq "WORK"].VALUE',
      given: 'Name.GivenName',
      dept: `${ENTERPRISE.toUpperCase()}:Department`,
    });
    const written: JsonObject = {
      Emails: [{ Type: 'Work', Value: 'a@example.com' }],
      NAME: { givenname: 'Ann' },
      [ENTERPRISE.toLowerCase()]: { DEPARTMENT: 'Sales' },
    };
    expect(mapResource(compiled, 'User', written)).toEqual({ email: 'a@example.com', given: 'Ann', dept: 'Sales' });
  });

  it('gives every field, null where the resource has no value', () => {
    const compiled = userMapping({
      nick: 'nickName',
      title: 'title',
      given: 'name.givenName',
      mgr: `${ENTERPRISE}:manager`,
    });
    expect(mapResource(compiled, 'User', { userName: 'x', name: { familyName: 'Y' } })).toEqual({
      nick: null,
      title: null,
      given: null,
      mgr: null,
    });
  });

  it('maps a complex attribute without sub-attribute to its object', () => {
    expect(mapResource(userMapping({ name: 'name' }), 'User', oktaUser)).toEqual({
      name: { givenName: 'Test', familyName: 'User' },
    });
  });

  it('maps a sub-attribute of a multi-valued attribute without filter to the array of its values', () => {
    const user: JsonObject = { emails: [{ value: 'a@example.com' }, { type: 'work' }, { value: 'b@example.com' }] };
    expect(mapResource(userMapping({ all: 'emails.value' }), 'User', user)).toEqual({
      all: ['a@example.com', 'b@example.com'],
    });
    expect(mapResource(userMapping({ all: 'emails.value' }), 'User', { emails: [{ type: 'work' }] })).toEqual({
      all: null,
    });
  });

  it('takes the first element the filter matches, null when that element lacks the sub-attribute', () => {
    const compiled = userMapping({ work: 'emails[type eq "work"].value', element: 'emails[type eq "work"]' });
    const user: JsonObject = {
      emails: [
        { type: 'work', display: 'no value' },
        { type: 'work', value: 'second@example.com' },
      ],
    };
    expect(mapResource(compiled, 'User', user)).toEqual({
      work: null,
      element: { type: 'work', display: 'no value' },
    });
  });

  it('tries a list of paths in order and takes the first with a value', () => {
    const compiled = userMapping({ name: ['displayName', 'name.formatted', 'userName'] });
    expect(mapResource(compiled, 'User', { userName: 'u', name: { formatted: 'F' } })).toEqual({ name: 'F' });
    expect(mapResource(compiled, 'User', { userName: 'u' })).toEqual({ name: 'u' });
    expect(mapResource(compiled, 'User', {})).toEqual({ name: null });
  });

  it('maps a whole extension named by its URN, and a custom extension attribute (Entra)', () => {
    const compiled = userMapping({ enterprise: ENTERPRISE, custom: `${CUSTOM}:CustomAttribute` }, entraRegistry);
    const user: JsonObject = { ...entraUser, [CUSTOM]: { CustomAttribute: 'abc' } };
    expect(mapResource(compiled, 'User', user)).toEqual({
      enterprise: { department: 'Test_Department', manager: { value: 'Test_Manager_ID' } },
      custom: 'abc',
    });
    expect(mapResource(compiled, 'User', oktaUser)).toEqual({ enterprise: null, custom: null });
  });

  it('returns copies: changing the mapped object leaves the resource as it was', () => {
    const mapped = mapResource(compiledDefault, 'User', oktaUser);
    const groups = mapped?.groups;
    if (!Array.isArray(groups)) throw new Error('expected the groups array');
    groups.pop();
    expect(oktaUser.groups).toHaveLength(1);
  });

  it('leaves out the fields that read memberships when asked, as change events need', () => {
    const mapped = mapResource(compiledDefault, 'User', oktaUser, { withoutMemberships: true });
    expect(mapped).not.toHaveProperty('groups');
    expect(mapped).toHaveProperty('email');
    const group = mapResource(
      compiledDefault,
      'Group',
      { id: 'g', displayName: 'G', members: [{ value: 'u' }] },
      {
        withoutMemberships: true,
      },
    );
    expect(group).toEqual({ id: 'g', externalId: null, displayName: 'G' });
  });
});

describe('attributeMappingBody', () => {
  it('gives canonical type ids and spellings, one path as a string, several as a list', () => {
    const compiled = parseAttributeMapping(
      {
        user: {
          email: 'Emails[Type EQ "work" AND Primary eq true].Value',
          login: ['urn:ietf:params:scim:schemas:core:2.0:User:USERNAME'],
          dept: [`${ENTERPRISE.toLowerCase()}:DEPARTMENT`, 'title'],
        },
      },
      defaultRegistry,
    );
    const body = attributeMappingBody(compiled);
    expect(body).toEqual({
      User: {
        email: 'emails[type eq "work" and primary eq true].value',
        login: 'userName',
        dept: [`${ENTERPRISE}:department`, 'title'],
      },
    });
    expect(attributeMappingBody(parseAttributeMapping(body, defaultRegistry))).toEqual(body);
  });
});

describe('parseAttributeMapping refuses, naming each problem (400 invalidPath)', () => {
  it('reports a misspelt sub-attribute after a value filter as Type.field: "path": why', () => {
    const error = mappingError(() =>
      parseAttributeMapping({ User: { email: 'emails[type eq "work"].valu' } }, defaultRegistry),
    );
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain('User.email: "emails[type eq \\"work\\"].valu": emails has no sub-attribute "valu"');
  });

  it.each([
    ['an unknown attribute', 'nickname2', '"nickname2" is not an attribute of User resources'],
    ['an unknown sub-attribute', 'name.middle', 'name has no sub-attribute "middle"'],
    ['a sub-attribute of a simple attribute', 'userName.value', 'userName has no sub-attributes'],
    [
      'an unknown schema URN',
      'urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge',
      '"urn:ietf:params:scim:schemas:extension:acme:2.0:User" is not a schema of User resources',
    ],
    ['an extension attribute without its URN (RFC 7644 §3.10)', 'department', '"department" is not an attribute'],
    ['bad filter syntax', 'emails[type eq work].value', 'Invalid path at position 15'],
    ['an unclosed bracket', 'emails[type eq "work".value', 'Invalid path at position'],
    ['a filter on a single-valued attribute', 'userName[value eq "x"]', 'userName is single-valued'],
    ['a filter on a single-valued complex attribute', 'name[givenName eq "x"].familyName', 'name is single-valued'],
    [
      'a filter naming no sub-attribute of the filtered one',
      'emails[kind eq "work"].value',
      'emails has no sub-attribute "kind"',
    ],
    [
      'a filter value of the wrong type (primary is boolean)',
      'emails[primary eq "yes"].value',
      /primary\W.*\bboolean\b/,
    ],
    ['the core schema URN alone', 'urn:ietf:params:scim:schemas:core:2.0:User', 'names the whole resource'],
    ['an empty path', '', 'the path is empty'],
  ])('%s', (_case, path, reason) => {
    const error = userProblem(path);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain(`User.f: ${JSON.stringify(path)}: `);
    if (typeof reason === 'string') expect(error.detail).toContain(reason);
    else expect(error.detail).toMatch(reason);
  });

  it('checks paths against the registry it is given: the custom extension only where registered', () => {
    const path = `${CUSTOM}:CustomAttribute`;
    expect(userProblem(path).detail).toContain('is not a schema of User resources');
    expect(() => userMapping({ f: path }, entraRegistry)).not.toThrow();
    expect(userProblem(`${CUSTOM}:Other`, entraRegistry).detail).toContain(
      `"${CUSTOM}:Other" is not an attribute of User resources`,
    );
  });

  it('refuses meta: the service writes it, after the mapping ran, and every event has it in data', () => {
    expect(userProblem('meta.lastModified').detail).toMatch(/meta is the service's own/);
  });

  it('names an unknown resource type key and lists the known ones', () => {
    const error = mappingError(() => parseAttributeMapping({ Device: { id: 'id' } }, defaultRegistry));
    expect(error.detail).toContain('"Device": not a resource type (known: User, Group, Agent, AgenticApplication)');
  });

  it('refuses the same type twice in different spellings', () => {
    const error = mappingError(() => parseAttributeMapping({ User: {}, USER: {} }, defaultRegistry));
    expect(error.detail).toContain('"USER": User is mapped twice');
  });

  it.each([['1st'], ['first-name'], ['a'.repeat(65)], [''], ['__proto__']])('refuses the app field name %j', (name) => {
    const body: unknown = JSON.parse(`{"User": {${JSON.stringify(name)}: "userName"}}`);
    const error = mappingError(() => parseAttributeMapping(body, defaultRegistry));
    expect(error.detail).toMatch(/^Invalid attribute mapping: User\./);
    expect(error.detail).toMatch(/app field name must be|is reserved/);
  });

  it('accepts 100 fields of a type and refuses 101', () => {
    const fields = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, 'userName']));
    expect(() => parseAttributeMapping({ User: fields(100) }, defaultRegistry)).not.toThrow();
    expect(mappingError(() => parseAttributeMapping({ User: fields(101) }, defaultRegistry)).detail).toContain(
      'User: maps 101 fields, at most 100 are allowed',
    );
  });

  it.each([
    ['an empty list', []],
    ['six paths', ['userName', 'userName', 'userName', 'userName', 'userName', 'userName']],
    ['a number', 42],
    ['a list holding a non-string', ['userName', null]],
  ])('refuses %s as a field value', (_case, value) => {
    const error = mappingError(() => parseAttributeMapping({ User: { f: value } }, defaultRegistry));
    expect(error.detail).toContain('User.f: must be a SCIM path or a list of 1 to 5 SCIM paths');
  });

  it('refuses a body that is not an object, and a type entry that is not an object', () => {
    expect(mappingError(() => parseAttributeMapping(['User'], defaultRegistry)).detail).toContain(
      'must be an object of resource type',
    );
    expect(mappingError(() => parseAttributeMapping({ Group: 'displayName' }, defaultRegistry)).detail).toContain(
      'Group: must be an object of app field → SCIM path',
    );
  });

  it('reports every problem together, across fields, fallback lists and types', () => {
    const error = mappingError(() =>
      parseAttributeMapping(
        {
          User: {
            ok: 'userName',
            email: ['emails[primary eq true].value', 'emails[type eq "work"].valu'],
            'bad-name': 'userName',
            dept: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:departement',
          },
          Group: { members: 'members[value eq 1]' },
          Device: {},
        },
        defaultRegistry,
      ),
    );
    const problems = error.detail.replace(/^Invalid attribute mapping: /, '').split('; ');
    expect(problems).toHaveLength(5);
    expect(problems[0]).toBe('User.email: "emails[type eq \\"work\\"].valu": emails has no sub-attribute "valu"');
    expect(problems[1]).toMatch(/^User\."bad-name": /);
    expect(problems[2]).toMatch(/^User\.dept: ".*departement": ".*departement" is not an attribute of User resources$/);
    expect(problems[3]).toMatch(/^Group\.members: "members\[value eq 1\]": .*value\W.*\bstring\b/);
    expect(problems[4]).toMatch(/^"Device": not a resource type/);
  });
});
