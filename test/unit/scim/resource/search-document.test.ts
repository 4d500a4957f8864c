import { describe, it, expect } from 'vitest';

import { buildSearchDocument } from '../../../../src/scim/resource/search-document.js';
import { validateResource } from '../../../../src/scim/resource/validate.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';
import { type ResourceTypeDefinition } from '../../../../src/scim/schema/registry.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ENTERPRISE_KEY = ENTERPRISE.toLowerCase();

/** A type with a dateTime attribute, which no SCIM core schema has outside meta. */
const EVENT_TYPE: ResourceTypeDefinition = {
  id: 'Event',
  name: 'Event',
  endpoint: '/Events',
  storage: GROUP_RESOURCE_TYPE.storage,
  events: GROUP_RESOURCE_TYPE.events,
  description: 'Test event',
  schema: {
    id: 'urn:example:params:scim:schemas:core:2.0:Event',
    name: 'Event',
    description: 'Test event',
    attributes: [
      {
        name: 'occurredAt',
        type: 'dateTime',
        multiValued: false,
        description: 'When it happened.',
        required: false,
        caseExact: false,
        mutability: 'readWrite',
        returned: 'default',
        uniqueness: 'none',
      },
    ],
  },
  schemaExtensions: [],
};

describe('buildSearchDocument: names (RFC 7643 §2.1)', () => {
  it('lowercases every key, puts extension attributes under the lowercased URN and omits "schemas"', () => {
    const shadow = buildSearchDocument(USER_RESOURCE_TYPE, {
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen',
      name: { givenName: 'barbara' },
      [ENTERPRISE]: { employeeNumber: '701984', manager: { value: 'm1' } },
    });
    expect(shadow).toEqual({
      username: 'bjensen',
      name: { givenname: 'barbara' },
      [ENTERPRISE_KEY]: { employeenumber: '701984', manager: { value: 'm1' } },
      $pr: [
        'name',
        'name.givenname',
        `${ENTERPRISE_KEY}:employeenumber`,
        `${ENTERPRISE_KEY}:manager`,
        `${ENTERPRISE_KEY}:manager.value`,
        'username',
      ],
    });
  });

  it('leaves out keys no schema defines, since no filter can name them', () => {
    expect(buildSearchDocument(USER_RESOURCE_TYPE, { userName: 'b', shoeSize: 42 })).toEqual({
      username: 'b',
      $pr: ['username'],
    });
  });
});

describe('buildSearchDocument: values (RFC 7644 §3.4.2.2, RFC 7643 §2.2 caseExact)', () => {
  it('lowercases strings of attributes that are not caseExact, at every depth', () => {
    const shadow = buildSearchDocument(USER_RESOURCE_TYPE, {
      userName: 'BJensen@Example.com',
      title: 'Tour Guide',
      emails: [{ value: 'BJensen@Example.COM', type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'Tour Operations' },
    });
    expect(shadow.username).toBe('bjensen@example.com');
    expect(shadow.title).toBe('tour guide');
    expect(shadow.emails).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]);
    expect(shadow[ENTERPRISE_KEY]).toEqual({ department: 'tour operations' });
  });

  it('keeps caseExact strings: externalId, references, binary and the manager id', () => {
    const shadow = buildSearchDocument(USER_RESOURCE_TYPE, {
      externalId: 'ABC-701984',
      profileUrl: 'https://login.example.com/BJensen',
      x509Certificates: [{ value: 'AAEC/w==', display: 'Cert A' }],
      [ENTERPRISE]: { manager: { value: 'AbC-123', $ref: '../Users/AbC-123' } },
    });
    expect(shadow.externalid).toBe('ABC-701984');
    expect(shadow.profileurl).toBe('https://login.example.com/BJensen');
    expect(shadow.x509certificates).toEqual([{ value: 'AAEC/w==', display: 'cert a' }]);
    expect(shadow[ENTERPRISE_KEY]).toEqual({ manager: { value: 'AbC-123', $ref: '../Users/AbC-123' } });
  });

  it("keeps a Group member's $ref as sent and lowercases its display", () => {
    const shadow = buildSearchDocument(GROUP_RESOURCE_TYPE, {
      schemas: [GROUP],
      displayName: 'Tour Guides',
      members: [{ value: 'u1', $ref: 'https://example.com/v2/Users/U1', type: 'User', display: 'Babs Jensen' }],
    });
    expect(shadow.members).toEqual([
      { value: 'u1', $ref: 'https://example.com/v2/Users/U1', type: 'user', display: 'babs jensen' },
    ]);
  });

  it.each([
    ['2011-05-13T04:42:34Z', '2011-05-13T04:42:34.000Z'],
    ['2011-05-13T06:42:34.123456+02:00', '2011-05-13T04:42:34.123Z'],
    ['2011-05-12T23:42:34.5-05:00', '2011-05-13T04:42:34.500Z'],
    ['2011-05-13T04:42:34', '2011-05-13T04:42:34.000Z'],
  ])(
    'normalizes the dateTime %s to UTC with three fraction digits (%s), so it orders as text',
    (written, normalized) => {
      expect(buildSearchDocument(EVENT_TYPE, { occurredAt: written }).occurredat).toBe(normalized);
    },
  );
});

describe('buildSearchDocument: "$pr" (RFC 7644 §3.4.2.2 "pr")', () => {
  it('lists each attribute and sub-attribute with a non-empty value, sorted and without duplicates', () => {
    const shadow = buildSearchDocument(USER_RESOURCE_TYPE, {
      title: 'Boss',
      name: { givenName: 'Ada', familyName: '' },
      emails: [{ value: 'a@x.com' }, { value: 'b@x.com', type: 'work' }, { type: 'home' }],
    });
    expect(shadow.$pr).toEqual(['emails', 'emails.type', 'emails.value', 'name', 'name.givenname', 'title']);
  });

  it('does not count empty strings, null or empty arrays as present', () => {
    const shadow = buildSearchDocument(USER_RESOURCE_TYPE, {
      title: '',
      nickName: null,
      emails: [],
      phoneNumbers: [{ value: '' }],
      name: { givenName: '' },
    });
    expect(shadow.$pr).toEqual([]);
  });

  it('counts false as a value (active pr)', () => {
    expect(buildSearchDocument(USER_RESOURCE_TYPE, { active: false }).$pr).toEqual(['active']);
  });
});

describe('buildSearchDocument: with validateResource', () => {
  it('shadows a validated User so that one element carries both type and value (emails[type eq "work" and value eq …])', () => {
    const { document } = validateResource(USER_RESOURCE_TYPE, {
      schemas: [USER, ENTERPRISE],
      externalId: 'Ext-1',
      userName: 'BJensen',
      emails: [
        { value: 'Babs@Jensen.org', type: 'Home' },
        { value: 'BJensen@Example.com', type: 'WORK', primary: true },
      ],
      [ENTERPRISE]: { employeeNumber: 'E7' },
    });
    const before = structuredClone(document);
    expect(buildSearchDocument(USER_RESOURCE_TYPE, document)).toEqual({
      externalid: 'Ext-1',
      username: 'bjensen',
      emails: [
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'bjensen@example.com', type: 'work', primary: true },
      ],
      [ENTERPRISE_KEY]: { employeenumber: 'e7' },
      $pr: [
        'emails',
        'emails.primary',
        'emails.type',
        'emails.value',
        'externalid',
        `${ENTERPRISE_KEY}:employeenumber`,
        'username',
      ],
    });
    expect(document).toEqual(before);
  });
});
