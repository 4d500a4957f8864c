import { describe, it, expect } from 'vitest';

import { ScimError, type ScimType } from '../../../../src/scim/errors.js';
import type { JsonObject } from '../../../../src/scim/resource/json.js';
import { validateResource, type ValidatedResource } from '../../../../src/scim/resource/validate.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';
import { type ResourceTypeDefinition } from '../../../../src/scim/schema/registry.js';
import type { AttributeDefinition } from '../../../../src/scim/schema/types.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const WIDGET = 'urn:example:params:scim:schemas:core:2.0:Widget';

/** The error validateResource throws, for asserting its status, scimType and detail. */
function errorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but validation passed');
}

function expectRejected(run: () => unknown, scimType: ScimType, ...detailParts: string[]): void {
  const error = errorOf(run);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe(scimType);
  for (const part of detailParts) expect(error.detail).toContain(part);
}

const user = (attributes: JsonObject): ValidatedResource =>
  validateResource(USER_RESOURCE_TYPE, { schemas: [USER], ...attributes });

function attribute(name: string, overrides: Partial<AttributeDefinition> = {}): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    description: name,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...overrides,
  };
}

/** A resource type with the data types, required sub-attributes and immutables no SCIM core schema has. */
const WIDGET_TYPE: ResourceTypeDefinition = {
  id: 'Widget',
  name: 'Widget',
  endpoint: '/Widgets',
  storage: GROUP_RESOURCE_TYPE.storage,
  events: GROUP_RESOURCE_TYPE.events,
  description: 'Test widget',
  schema: {
    id: WIDGET,
    name: 'Widget',
    description: 'Test widget',
    attributes: [
      attribute('count', { type: 'integer' }),
      attribute('ratio', { type: 'decimal' }),
      attribute('since', { type: 'dateTime' }),
      attribute('blob', { type: 'binary', caseExact: true }),
      attribute('tags', { multiValued: true }),
      attribute('serial', { mutability: 'immutable' }),
      attribute('label', { mutability: 'immutable', caseExact: false }),
      attribute('owner', {
        type: 'complex',
        subAttributes: [attribute('id', { mutability: 'immutable', caseExact: true }), attribute('note')],
      }),
      attribute('parts', {
        type: 'complex',
        multiValued: true,
        subAttributes: [attribute('code', { required: true }), attribute('size', { type: 'integer' })],
      }),
    ],
  },
  schemaExtensions: [],
};

const widget = (attributes: JsonObject, existing?: JsonObject) =>
  validateResource(WIDGET_TYPE, { schemas: [WIDGET], ...attributes }, existing === undefined ? {} : { existing });

describe('validateResource: the request body (RFC 7643 §3)', () => {
  it.each([[[]], ['bjensen'], [null], [42]])(
    'rejects a body that is not a JSON object (%j) as invalidSyntax',
    (body) => {
      expectRejected(() => validateResource(USER_RESOURCE_TYPE, body), 'invalidSyntax', 'must be a JSON object');
    },
  );

  it('rejects a body without "schemas", which is REQUIRED (RFC 7643 §3)', () => {
    expectRejected(
      () => validateResource(USER_RESOURCE_TYPE, { userName: 'bjensen' }),
      'invalidValue',
      '"schemas" is required',
      'received nothing',
    );
  });

  it('rejects "schemas" that is not an array of strings (RFC 7643 §3)', () => {
    expectRejected(
      () => validateResource(USER_RESOURCE_TYPE, { schemas: USER, userName: 'b' }),
      'invalidValue',
      '"schemas"',
      'the string',
    );
    expectRejected(
      () => validateResource(USER_RESOURCE_TYPE, { schemas: [USER, 7], userName: 'b' }),
      'invalidValue',
      '"schemas[1]"',
      'the number 7',
    );
  });

  it('rejects "schemas" without the core schema URN (RFC 7643 §3)', () => {
    expectRejected(
      () => validateResource(USER_RESOURCE_TYPE, { schemas: [ENTERPRISE], userName: 'b' }),
      'invalidValue',
      `must include the core schema "${USER}"`,
    );
  });

  it('rejects a URN in "schemas" that is neither the core schema nor an extension of the type (RFC 7643 §3, §6)', () => {
    expectRejected(
      () => validateResource(USER_RESOURCE_TYPE, { schemas: [USER, GROUP], userName: 'b' }),
      'invalidValue',
      `"schemas[1]": "${GROUP}" is not a schema of User resources`,
    );
  });

  it('rejects an extension object whose URN "schemas" does not list (RFC 7643 §3)', () => {
    expectRejected(
      () => user({ userName: 'b', [ENTERPRISE]: { employeeNumber: '7' } }),
      'invalidValue',
      `"${ENTERPRISE}" is present but "schemas" does not list it`,
    );
  });

  it('matches URNs and attribute names case-insensitively and stores the schema spelling (RFC 7643 §2.1)', () => {
    const { document } = validateResource(USER_RESOURCE_TYPE, {
      SCHEMAS: [USER.toUpperCase(), ENTERPRISE.toLowerCase()],
      USERNAME: 'bjensen',
      Name: { GIVENNAME: 'Barbara' },
      [ENTERPRISE.toLowerCase()]: { EmployeeNumber: '701984' },
    });
    expect(document).toEqual({
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      [ENTERPRISE]: { employeeNumber: '701984' },
    });
  });

  it('rejects one attribute given twice in two spellings (RFC 7643 §2.1)', () => {
    expectRejected(
      () => user({ userName: 'a', USERNAME: 'b' }),
      'invalidValue',
      'given twice',
      '"userName"',
      '"USERNAME"',
    );
  });

  it('ignores id and meta and keeps externalId exactly as sent (RFC 7643 §3.1)', () => {
    const { document } = validateResource(USER_RESOURCE_TYPE, {
      schemas: [USER],
      id: 'client-chosen',
      meta: { resourceType: 'User', created: 'not even a date' },
      externalId: 'ABC-701984',
      userName: 'bjensen',
    });
    expect(document).toEqual({ schemas: [USER], externalId: 'ABC-701984', userName: 'bjensen' });
  });

  it('lists an extension in "schemas" only when some of its attributes are present (RFC 7643 §3)', () => {
    const { document } = validateResource(USER_RESOURCE_TYPE, {
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen',
      [ENTERPRISE]: { manager: { displayName: 'John Smith' } },
    });
    expect(document).toEqual({ schemas: [USER], userName: 'bjensen' });
  });
});

describe('validateResource: attribute names (RFC 7643 §2, §4)', () => {
  it('rejects an unknown attribute', () => {
    expectRejected(
      () => user({ userName: 'b', shoeSize: 42 }),
      'invalidValue',
      '"shoeSize" is not an attribute of User resources',
    );
  });

  it('rejects an unknown sub-attribute, naming its path', () => {
    expectRejected(
      () => user({ userName: 'b', emails: [{ value: 'a@x.com' }, { value: 'b@x.com', label: 'x' }] }),
      'invalidValue',
      '"emails[1].label" is not an attribute',
    );
    expectRejected(
      () => user({ userName: 'b', name: { nickname: 'B' } }),
      'invalidValue',
      '"name.nickname" is not an attribute',
    );
  });

  it('rejects an unknown attribute of an extension, naming it with its URN', () => {
    expectRejected(
      () =>
        validateResource(USER_RESOURCE_TYPE, {
          schemas: [USER, ENTERPRISE],
          userName: 'b',
          [ENTERPRISE]: { badge: '1' },
        }),
      'invalidValue',
      `"${ENTERPRISE}:badge" is not an attribute of User resources`,
    );
  });

  it('rejects a password on a type that has none (Group)', () => {
    expectRejected(
      () => validateResource(GROUP_RESOURCE_TYPE, { schemas: [GROUP], displayName: 'g', password: 'x' }),
      'invalidValue',
      '"password" is not an attribute of Group resources',
    );
  });
});

describe('validateResource: data types (RFC 7643 §2.3)', () => {
  it.each<[string, JsonObject, ...string[]]>([
    ['a string as a number (§2.3.1)', { displayName: 5 }, '"displayName" must be a string', 'the number 5'],
    [
      'a boolean as the string "True", not coerced (§2.3.2)',
      { active: 'True' },
      '"active" must be a boolean',
      'the string "True"',
    ],
    [
      'a sub-attribute boolean (§2.3.2)',
      { emails: [{ value: 'a@x.com' }, { value: 'b@x.com', primary: 'true' }] },
      '"emails[1].primary" must be a boolean',
    ],
    ['a reference as an object (§2.3.7)', { profileUrl: { href: 'x' } }, '"profileUrl" must be a string', 'an object'],
    [
      'a binary that is not base64 (§2.3.6)',
      { x509Certificates: [{ value: 'not base64!' }] },
      '"x509Certificates[0].value" must be a base64 string',
    ],
    ['a complex value as a string (§2.3.8)', { name: 'Barbara Jensen' }, '"name" must be an object of sub-attributes'],
    [
      'a multi-valued attribute as a single object (§2.4)',
      { emails: { value: 'a@x.com' } },
      '"emails" is multi-valued: expected an array',
      'an object',
    ],
    [
      'an element of a multi-valued complex as a string (§2.4)',
      { emails: ['a@x.com'] },
      '"emails[0]" must be an object',
    ],
  ])('rejects %s as invalidValue', (_, attributes, ...detail) => {
    expectRejected(() => user({ userName: 'b', ...attributes }), 'invalidValue', ...detail);
  });

  it.each<[string, JsonObject, string]>([
    ['an integer as 1.5 (§2.3.4)', { count: 1.5 }, '"count" must be an integer'],
    ['an integer as "3" (§2.3.4)', { count: '3' }, '"count" must be an integer'],
    ['a decimal as a string (§2.3.3)', { ratio: '0.5' }, '"ratio" must be a number'],
    ['a dateTime without a time (§2.3.5)', { since: '2011-05-13' }, '"since" must be an xsd:dateTime'],
    ['a dateTime with a space for "T" (§2.3.5)', { since: '2011-05-13 04:42:34Z' }, '"since" must be an xsd:dateTime'],
    ['a dateTime as a number (§2.3.5)', { since: 1305261754 }, '"since" must be an xsd:dateTime'],
    ['a multi-valued string with a number in it (§2.4)', { tags: ['a', 2] }, '"tags[1]" must be a string'],
  ])('rejects %s as invalidValue', (_, attributes, detail) => {
    expectRejected(() => widget(attributes), 'invalidValue', detail);
  });

  it('accepts each data type in its JSON form (§2.3)', () => {
    const attributes = {
      count: 3,
      ratio: 0.5,
      since: '2011-05-13T04:42:34.5+02:00',
      blob: 'AAEC/w==',
      tags: ['a', 'B'],
    };
    expect(widget(attributes).document).toEqual({ schemas: [WIDGET], ...attributes });
    expect(widget({ since: '2011-05-13T04:42:34Z' }).document).toEqual({
      schemas: [WIDGET],
      since: '2011-05-13T04:42:34Z',
    });
  });
});

describe('validateResource: mutability (RFC 7643 §7, RFC 7644 §3.5.1)', () => {
  it('drops readOnly attributes and sub-attributes silently (groups, manager.displayName)', () => {
    const { document } = validateResource(USER_RESOURCE_TYPE, {
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen',
      groups: [{ value: 'e9e30dba', display: 'Tour Guides' }],
      [ENTERPRISE]: { manager: { value: '26118915', displayName: 'John Smith' } },
    });
    expect(document).toEqual({
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen',
      [ENTERPRISE]: { manager: { value: '26118915' } },
    });
  });

  it('extracts the writeOnly password and never stores it (RFC 7643 §4.1.1)', () => {
    const result = validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: 'b', PassWord: 't1meMa$heen' });
    expect(result.password).toBe('t1meMa$heen');
    expect(result.document).toEqual({ schemas: [USER], userName: 'b' });
    expect(validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: 'b' }).password).toBeUndefined();
  });

  it('rejects a password that is not a string without echoing it', () => {
    const error = errorOf(() => user({ userName: 'b', password: 123456 }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('"password" must be a string');
    expect(error.detail).not.toContain('123456');
  });

  it('rejects changing an immutable attribute that already has a value, as mutability', () => {
    expectRejected(
      () => widget({ serial: 'B-2' }, { serial: 'A-1' }),
      'mutability',
      '"serial" is immutable',
      '"A-1"',
      '"B-2"',
    );
  });

  it('rejects clearing an immutable attribute that already has a value', () => {
    expectRejected(() => widget({}, { serial: 'A-1' }), 'mutability', '"serial"', 'received nothing');
    expectRejected(() => widget({ serial: null }, { serial: 'A-1' }), 'mutability', '"serial"');
  });

  it('accepts an immutable attribute that is re-sent unchanged, or set for the first time', () => {
    expect(widget({ serial: 'A-1' }, { serial: 'A-1' }).document).toEqual({ schemas: [WIDGET], serial: 'A-1' });
    expect(widget({ serial: 'A-1' }, { count: 1 }).document).toEqual({ schemas: [WIDGET], serial: 'A-1' });
    expect(widget({ serial: 'A-1' }).document).toEqual({ schemas: [WIDGET], serial: 'A-1' });
  });

  it('compares a caseExact false immutable value case-insensitively and keeps the stored spelling', () => {
    expect(widget({ label: 'FRONT' }, { label: 'Front' }).document).toEqual({ schemas: [WIDGET], label: 'Front' });
  });

  it('enforces an immutable sub-attribute of a single-valued complex attribute', () => {
    expectRejected(() => widget({ owner: { id: 'u2' } }, { owner: { id: 'u1' } }), 'mutability', '"owner.id"');
    expectRejected(() => widget({ owner: null }, { owner: { id: 'u1' } }), 'mutability', '"owner.id"');
    expect(widget({ owner: { id: 'u1', note: 'new' } }, { owner: { id: 'u1', note: 'old' } }).document).toEqual({
      schemas: [WIDGET],
      owner: { id: 'u1', note: 'new' },
    });
  });

  it("lets a PUT replace a Group's members, whose sub-attributes are immutable (RFC 7643 §4.2)", () => {
    const existing = { schemas: [GROUP], displayName: 'Tour Guides', members: [{ value: 'u1', type: 'User' }] };
    const { document } = validateResource(
      GROUP_RESOURCE_TYPE,
      { schemas: [GROUP], displayName: 'Tour Guides', members: [{ value: 'u2', type: 'User' }] },
      { existing },
    );
    expect(document.members).toEqual([{ value: 'u2', type: 'User' }]);
  });
});

describe('validateResource: required (RFC 7643 §7)', () => {
  it.each<[string, JsonObject, string]>([
    ['missing', {}, 'received nothing'],
    ['null', { userName: null }, 'received null'],
    ['empty (§4.1.1 "non-empty")', { userName: '' }, 'received the string ""'],
  ])('rejects a User whose userName is %s', (_, attributes, received) => {
    expectRejected(() => user(attributes), 'invalidValue', '"userName" is required', received);
  });

  it('rejects a Group without displayName (RFC 7643 §4.2)', () => {
    expectRejected(
      () => validateResource(GROUP_RESOURCE_TYPE, { schemas: [GROUP], members: [] }),
      'invalidValue',
      '"displayName" is required',
    );
  });

  it('checks required sub-attributes in each element of a multi-valued complex attribute', () => {
    expectRejected(
      () => widget({ parts: [{ code: 'a' }, { size: 2 }] }),
      'invalidValue',
      '"parts[1].code" is required',
    );
    expect(widget({ parts: [{ code: 'a', size: 2 }] }).document).toEqual({
      schemas: [WIDGET],
      parts: [{ code: 'a', size: 2 }],
    });
  });
});

describe('validateResource: unassigned values (RFC 7643 §2.5)', () => {
  it('omits null, empty arrays and complex values with nothing assigned', () => {
    const { document } = user({
      userName: 'b',
      title: null,
      emails: [],
      name: { givenName: null },
      phoneNumbers: [null, {}, { value: null }],
      addresses: [{}, { locality: 'Hollywood' }],
    });
    expect(document).toEqual({ schemas: [USER], userName: 'b', addresses: [{ locality: 'Hollywood' }] });
  });

  it('does not ask for the required sub-attributes of an element with nothing assigned', () => {
    expect(widget({ parts: [{ code: null }] }).document).toEqual({ schemas: [WIDGET] });
  });
});

describe('validateResource: canonical values (RFC 7643 §7 "canonicalValues")', () => {
  it('stores a value matching a canonical value case-insensitively in the canonical spelling', () => {
    const { document } = user({
      userName: 'b',
      emails: [{ value: 'a@x.com', type: 'WORK' }],
      phoneNumbers: [{ value: '1', type: 'Mobile' }],
    });
    expect(document.emails).toEqual([{ value: 'a@x.com', type: 'work' }]);
    expect(document.phoneNumbers).toEqual([{ value: '1', type: 'mobile' }]);
  });

  it('rejects any other value, listing the allowed ones', () => {
    expectRejected(
      () => user({ userName: 'b', emails: [{ value: 'a@x.com', type: 'office' }] }),
      'invalidValue',
      '"emails[0].type" must be one of "work", "home", "other"',
      'the string "office"',
    );
  });

  it('canonicalizes a Group member type ("user" → "User")', () => {
    const { document } = validateResource(GROUP_RESOURCE_TYPE, {
      schemas: [GROUP],
      displayName: 'g',
      members: [{ value: 'u1', type: 'user' }],
    });
    expect(document.members).toEqual([{ value: 'u1', type: 'User' }]);
  });
});

describe('validateResource: primary (RFC 7643 §2.4)', () => {
  it('rejects more than one element with primary true, naming the second', () => {
    expectRejected(
      () =>
        user({
          userName: 'b',
          emails: [
            { value: 'a@x.com', primary: true },
            { value: 'b@x.com', primary: false },
            { value: 'c@x.com', primary: true },
          ],
        }),
      'invalidValue',
      '"emails[2].primary"',
      'emails[0]',
    );
  });

  it('accepts one primary, and any number of primary false', () => {
    const emails = [
      { value: 'a@x.com', primary: false },
      { value: 'b@x.com', primary: true },
      { value: 'c@x.com', primary: false },
    ];
    expect(user({ userName: 'b', emails })).toMatchObject({ document: { emails } });
  });
});

describe('validateResource: case of values (RFC 7643 §2.2 "caseExact")', () => {
  it("keeps the client's case in the document, also for attributes that are not caseExact", () => {
    const { document } = user({ userName: 'BJensen@Example.com', emails: [{ value: 'BJensen@Example.COM' }] });
    expect(document).toEqual({
      schemas: [USER],
      userName: 'BJensen@Example.com',
      emails: [{ value: 'BJensen@Example.COM' }],
    });
  });
});

/** RFC 7643 §8.2 "Full User Representation", with the enterprise extension of §8.3. */
const CERTIFICATE =
  'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFDASBgNVBAoMC2V4YW1wbGUuY29tMRQwEgYDVQQDDAtleGFtcGxlLmNvbTAeFw0xMTEwMjIwNjI0MzFaFw0xMjEwMDQwNjI0MzFaMH8xCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRQwEgYDVQQKDAtleGFtcGxlLmNvbTEhMB8GA1UEAwwYTXMuIEJhcmJhcmEgSiBKZW5zZW4gSUlJMSIwIAYJKoZIhvcNAQkBFhNiamVuc2VuQGV4YW1wbGUuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7Kr+Dcds/JQ5GwejJFcBIP682X3xpjis56AK02bc1FLgzdLI8auoR+cC9/Vrh5t66HkQIOdA4unHh0AaZ4xL5PhVbXIPMB5vAPKpzz5iPSi8xO8SL7I7SDhcBVJhqVqr3HgllEG6UClDdHO7nkLuwXq8HcISKkbT5WFTVfFZzidPl8HZ7DhXkZIRtJwBweq4bvm3hM1Os7UQH05ZS6cVDgweKNwdLLrT51ikSQG3DYrl+ft781UQRIqxgwqCfXEuDiinPh0kkvIi5jivVu1Z9QiwlYEdRbLJ4zJQBmDrSGTMYn4lRc2HgHO4DqB/bnMVorHB0CC6AV1QoFK4GPe1LwIDAQABo3sweTAJBgNVHRMEAjAAMCwGCWCGSAGG+EIBDQQfFh1PcGVuU1NMIEdlbmVyYXRlZCBDZXJ0aWZpY2F0ZTAdBgNVHQ4EFgQU8pD0U0vsZIsaA16lL8En8bx0F/gwHwYDVR0jBBgwFoAUdGeKitcaF7gnzsNwDx708kqaVt0wDQYJKoZIhvcNAQEFBQADgYEAA81SsFnOdYJtNg5Tcq+/ByEDrBgnusx0jloUhByPMEVkoMZ3J7j1ZgI8rAbOkNngX8+pKfTiDz1RC4+dx8oU6Za+4NJXUjlL5CvV6BEYb1+QAEJwitTVvxB/A67g42/vzgAtoRUeDov1+GFiBZ+GNF/cAYKcMtGcrs2i97ZkJMo=';

const FULL_USER_ATTRIBUTES: JsonObject = {
  externalId: '701984',
  userName: 'bjensen@example.com',
  name: {
    formatted: 'Ms. Barbara J Jensen, III',
    familyName: 'Jensen',
    givenName: 'Barbara',
    middleName: 'Jane',
    honorificPrefix: 'Ms.',
    honorificSuffix: 'III',
  },
  displayName: 'Babs Jensen',
  nickName: 'Babs',
  profileUrl: 'https://login.example.com/bjensen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [
    {
      type: 'work',
      streetAddress: '100 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'USA',
      formatted: '100 Universal City Plaza\nHollywood, CA 91608 USA',
      primary: true,
    },
    {
      type: 'home',
      streetAddress: '456 Hollywood Blvd',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'USA',
      formatted: '456 Hollywood Blvd\nHollywood, CA 91608 USA',
    },
  ],
  phoneNumbers: [
    { value: '555-555-5555', type: 'work' },
    { value: '555-555-4444', type: 'mobile' },
  ],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  photos: [
    { value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' },
    { value: 'https://photos.example.com/profilephoto/72930000000Ccne/T', type: 'thumbnail' },
  ],
  userType: 'Employee',
  title: 'Tour Guide',
  preferredLanguage: 'en-US',
  locale: 'en-US',
  timezone: 'America/Los_Angeles',
  active: true,
  x509Certificates: [{ value: CERTIFICATE }],
};

const FULL_USER = {
  schemas: [USER, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  ...FULL_USER_ATTRIBUTES,
  password: 't1meMa$heen',
  groups: [
    {
      value: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
      $ref: 'https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a',
      display: 'Tour Guides',
    },
    {
      value: 'fc348aa8-3835-40eb-a20b-c726e15c55b5',
      $ref: 'https://example.com/v2/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5',
      display: 'Employees',
    },
    {
      value: '71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7',
      $ref: 'https://example.com/v2/Groups/71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7',
      display: 'US Employees',
    },
  ],
  [ENTERPRISE]: {
    employeeNumber: '701984',
    costCenter: '4130',
    organization: 'Universal Studios',
    division: 'Theme Park',
    department: 'Tour Operations',
    manager: {
      value: '26118915-6090-4610-87e4-49d8ca9f808d',
      $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d',
      displayName: 'John Smith',
    },
  },
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff591"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
};

const FULL_USER_DOCUMENT: JsonObject = {
  schemas: [USER, ENTERPRISE],
  ...FULL_USER_ATTRIBUTES,
  [ENTERPRISE]: {
    employeeNumber: '701984',
    costCenter: '4130',
    organization: 'Universal Studios',
    division: 'Theme Park',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' },
  },
};

describe('validateResource: examples from the RFC and providers', () => {
  it('validates the RFC 7643 §8.2 full User with the §8.3 extension, minus id, meta, password and groups', () => {
    const { document, password } = validateResource(USER_RESOURCE_TYPE, FULL_USER);
    expect(document).toEqual(FULL_USER_DOCUMENT);
    expect(password).toBe('t1meMa$heen');
  });

  it('orders the canonical document: schemas, core attributes in schema order, then extensions', () => {
    const { document } = validateResource(USER_RESOURCE_TYPE, FULL_USER);
    expect(Object.keys(document)).toEqual([
      'schemas',
      'externalId',
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'x509Certificates',
      ENTERPRISE,
    ]);
  });

  it('round-trips: the canonical document validates to itself, also as a PUT over itself', () => {
    const again = validateResource(USER_RESOURCE_TYPE, FULL_USER_DOCUMENT, { existing: FULL_USER_DOCUMENT });
    expect(again).toEqual({ document: FULL_USER_DOCUMENT, password: undefined });
  });

  it('validates an Okta-style minimal create (https://developer.okta.com/docs/reference/scim/scim-20/)', () => {
    const { document, password } = validateResource(USER_RESOURCE_TYPE, {
      schemas: [USER],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expect(document).toEqual({
      schemas: [USER],
      externalId: '00ujl29u0le5T6Aj10h7',
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      displayName: 'Test User',
      locale: 'en-US',
      active: true,
      emails: [{ value: 'test.user@okta.local', type: 'work', primary: true }],
    });
    expect(password).toBe('1mz050nq');
  });

  it('validates the RFC 7643 §8.4 Group, keeping members.display (immutable, not readOnly, in group-schema.ts)', () => {
    const members = [
      {
        value: '2819c223-7f76-453a-919d-413861904646',
        $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
        display: 'Babs Jensen',
      },
      {
        value: '902c246b-6245-4190-8e05-00816be7344a',
        $ref: 'https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a',
        display: 'Mandy Pepperidge',
      },
    ];
    const { document, password } = validateResource(GROUP_RESOURCE_TYPE, {
      schemas: [GROUP],
      id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
      displayName: 'Tour Guides',
      members,
      meta: { resourceType: 'Group', created: '2010-01-23T04:56:22Z' },
    });
    expect(document).toEqual({ schemas: [GROUP], displayName: 'Tour Guides', members });
    expect(password).toBeUndefined();
  });
});
