import { describe, it, expect } from 'vitest';

import { commonAttributes } from '../../../../src/scim/schema/common-attributes.js';
import { enterpriseUserSchema } from '../../../../src/scim/schema/enterprise-user-schema.js';
import { groupSchema } from '../../../../src/scim/schema/group-schema.js';
import type { AttributeDefinition, SchemaDefinition } from '../../../../src/scim/schema/types.js';
import { userSchema } from '../../../../src/scim/schema/user-schema.js';

interface Located {
  readonly path: string;
  readonly depth: number;
  readonly attribute: AttributeDefinition;
}

/** Every attribute and sub-attribute, at any depth, with its dotted path. */
function walk(attributes: readonly AttributeDefinition[], prefix = '', depth = 0): Located[] {
  return attributes.flatMap((attribute) => {
    const path = prefix === '' ? attribute.name : `${prefix}.${attribute.name}`;
    return [{ path, depth, attribute }, ...walk(attribute.subAttributes ?? [], path, depth + 1)];
  });
}

/** Every attribute list (top level and each sub-attribute list) with the path that owns it. */
function levels(attributes: readonly AttributeDefinition[], owner: string): [string, readonly AttributeDefinition[]][] {
  return [
    [owner, attributes],
    ...attributes.flatMap((attribute) =>
      attribute.subAttributes === undefined ? [] : levels(attribute.subAttributes, `${owner}.${attribute.name}`),
    ),
  ];
}

function find(attributes: readonly AttributeDefinition[], path: string): AttributeDefinition {
  const found = walk(attributes).find((located) => located.path === path);
  if (found === undefined) throw new Error(`no attribute ${path}`);
  return found.attribute;
}

const schemas: readonly SchemaDefinition[] = [userSchema, groupSchema, enterpriseUserSchema];
const definitions: readonly (readonly [string, readonly AttributeDefinition[]])[] = [
  ...schemas.map((schema) => [schema.name, schema.attributes] as const),
  ['common', commonAttributes] as const,
];

describe.each(definitions)('%s attribute definitions', (name, attributes) => {
  const all = walk(attributes);

  it('RFC 7643 §2.3.8/§7: every complex attribute has sub-attributes and no other attribute has any', () => {
    const wrong = all
      .filter(({ attribute }) =>
        attribute.type === 'complex'
          ? attribute.subAttributes === undefined || attribute.subAttributes.length === 0
          : attribute.subAttributes !== undefined,
      )
      .map(({ path }) => path);
    expect(wrong).toEqual([]);
  });

  it('RFC 7643 §2.3.8: no sub-attribute is complex, so nesting stops at two levels', () => {
    const wrong = all
      .filter(({ depth, attribute }) => depth > 0 && attribute.type === 'complex')
      .map(({ path }) => path);
    expect(wrong).toEqual([]);
    expect(Math.max(...all.map(({ depth }) => depth))).toBeLessThanOrEqual(1);
  });

  it('RFC 7643 §7: every reference attribute has referenceTypes and only reference attributes do', () => {
    const wrong = all
      .filter(({ attribute }) =>
        attribute.type === 'reference'
          ? attribute.referenceTypes === undefined || attribute.referenceTypes.length === 0
          : attribute.referenceTypes !== undefined,
      )
      .map(({ path }) => path);
    expect(wrong).toEqual([]);
  });

  it('RFC 7643 §2.1: attribute names are unique within each level, compared case-insensitively', () => {
    for (const [owner, level] of levels(attributes, name)) {
      const names = level.map((attribute) => attribute.name.toLowerCase());
      expect(new Set(names).size, `duplicate name under ${owner}: ${names.join(', ')}`).toBe(names.length);
    }
  });

  it('RFC 7643 §2.1: names follow ATTRNAME (ALPHA *(nameChar)), "$ref" being the one sanctioned exception', () => {
    const wrong = all
      .filter(({ attribute }) => attribute.name !== '$ref' && !/^[A-Za-z][A-Za-z0-9_-]*$/.test(attribute.name))
      .map(({ path }) => path);
    expect(wrong).toEqual([]);
  });

  it('RFC 7643 §2.3.2/§2.3.5/§2.3.6/§2.3.8: boolean, dateTime, binary and complex attributes have no uniqueness', () => {
    const wrong = all
      .filter(({ attribute }) => ['boolean', 'dateTime', 'binary', 'complex'].includes(attribute.type))
      .filter(({ attribute }) => attribute.uniqueness !== 'none')
      .map(({ path }) => path);
    expect(wrong).toEqual([]);
  });

  it('RFC 7643 §2.3.6/§2.3.7: binary and reference attributes are case exact', () => {
    const wrong = all
      .filter(({ attribute }) => attribute.type === 'binary' || attribute.type === 'reference')
      .filter(({ attribute }) => !attribute.caseExact)
      .map(({ path }) => path);
    expect(wrong).toEqual([]);
  });

  it('RFC 7643 §2.2/§7: canonicalValues, where given, are non-empty, distinct and on string attributes', () => {
    for (const { path, attribute } of all) {
      if (attribute.canonicalValues === undefined) continue;
      expect(attribute.type, path).toBe('string');
      expect(attribute.canonicalValues.length, path).toBeGreaterThan(0);
      expect(new Set(attribute.canonicalValues).size, path).toBe(attribute.canonicalValues.length);
    }
  });

  it('RFC 7643 §2.4: a "primary" sub-attribute is a boolean', () => {
    const wrong = all
      .filter(({ depth, attribute }) => depth === 1 && attribute.name === 'primary' && attribute.type !== 'boolean')
      .map(({ path }) => path);
    expect(wrong).toEqual([]);
  });

  it('RFC 7643 §2.2: every description is a non-empty string', () => {
    const wrong = all.filter(({ attribute }) => attribute.description.trim() === '').map(({ path }) => path);
    expect(wrong).toEqual([]);
  });
});

describe('RFC 7643 §3.1: common attributes', () => {
  it('are id, externalId and meta, and no schema lists them (nor "schemas")', () => {
    expect(commonAttributes.map((attribute) => attribute.name)).toEqual(['id', 'externalId', 'meta']);
    for (const schema of schemas) {
      const names = schema.attributes.map((attribute) => attribute.name.toLowerCase());
      expect(names, schema.id).not.toContain('id');
      expect(names, schema.id).not.toContain('externalid');
      expect(names, schema.id).not.toContain('meta');
      expect(names, schema.id).not.toContain('schemas');
    }
  });

  it('id is a readOnly, case-exact string returned always', () => {
    expect(find(commonAttributes, 'id')).toMatchObject({
      type: 'string',
      multiValued: false,
      caseExact: true,
      mutability: 'readOnly',
      returned: 'always',
      uniqueness: 'server',
    });
  });

  it('externalId is a case-exact readWrite string whose uniqueness the server does not enforce', () => {
    expect(find(commonAttributes, 'externalId')).toMatchObject({
      type: 'string',
      caseExact: true,
      mutability: 'readWrite',
      uniqueness: 'none',
    });
  });

  it('meta and all its sub-attributes are readOnly and returned by default', () => {
    const meta = find(commonAttributes, 'meta');
    expect(meta).toMatchObject({
      type: 'complex',
      mutability: 'readOnly',
      returned: 'default',
    });
    expect(meta.subAttributes?.map((attribute) => attribute.name)).toEqual([
      'resourceType',
      'created',
      'lastModified',
      'location',
      'version',
    ]);
    for (const attribute of meta.subAttributes ?? []) {
      expect(attribute.mutability, attribute.name).toBe('readOnly');
      expect(attribute.returned, attribute.name).toBe('default');
    }
    expect(find(commonAttributes, 'meta.created').type).toBe('dateTime');
    expect(find(commonAttributes, 'meta.lastModified').type).toBe('dateTime');
    expect(find(commonAttributes, 'meta.location')).toMatchObject({
      type: 'reference',
      referenceTypes: ['uri'],
    });
    expect(find(commonAttributes, 'meta.resourceType').caseExact).toBe(true);
    expect(find(commonAttributes, 'meta.version').caseExact).toBe(true);
  });
});

describe('RFC 7643 §4.1/§8.7.1: User schema', () => {
  const attributes = userSchema.attributes;

  it('has the schema URI and every attribute of §4.1', () => {
    expect(userSchema.id).toBe('urn:ietf:params:scim:schemas:core:2.0:User');
    expect(attributes.map((attribute) => attribute.name)).toEqual([
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
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
    expect(find(attributes, 'name').subAttributes?.map((attribute) => attribute.name)).toEqual([
      'formatted',
      'familyName',
      'givenName',
      'middleName',
      'honorificPrefix',
      'honorificSuffix',
    ]);
    expect(find(attributes, 'addresses').subAttributes?.map((attribute) => attribute.name)).toEqual([
      'formatted',
      'streetAddress',
      'locality',
      'region',
      'postalCode',
      'country',
      'type',
      'primary',
    ]);
  });

  it('userName is required, case-insensitive and unique per server', () => {
    expect(find(attributes, 'userName')).toMatchObject({
      type: 'string',
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      uniqueness: 'server',
    });
  });

  it('password is writeOnly and never returned', () => {
    expect(find(attributes, 'password')).toMatchObject({
      mutability: 'writeOnly',
      returned: 'never',
    });
  });

  it('groups and every sub-attribute of it are readOnly; $ref refers to Groups only (errata 8471)', () => {
    const groups = find(attributes, 'groups');
    expect(groups).toMatchObject({
      type: 'complex',
      multiValued: true,
      mutability: 'readOnly',
    });
    expect(groups.subAttributes?.map((attribute) => attribute.name)).toEqual(['value', '$ref', 'display', 'type']);
    for (const attribute of groups.subAttributes ?? []) {
      expect(attribute.mutability, attribute.name).toBe('readOnly');
    }
    expect(find(attributes, 'groups.$ref').referenceTypes).toEqual(['Group']);
    expect(find(attributes, 'groups.type').canonicalValues).toEqual(['direct', 'indirect']);
  });

  it('multi-valued attributes carry the canonical type values the RFC lists', () => {
    expect(find(attributes, 'emails.type').canonicalValues).toEqual(['work', 'home', 'other']);
    expect(find(attributes, 'phoneNumbers.type').canonicalValues).toEqual([
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]);
    expect(find(attributes, 'ims.type').canonicalValues).toEqual([
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]);
    expect(find(attributes, 'photos.type').canonicalValues).toEqual(['photo', 'thumbnail']);
    expect(find(attributes, 'addresses.type').canonicalValues).toEqual(['work', 'home', 'other']);
  });

  it('every multi-valued attribute is complex with value/display/type/primary, except addresses and groups', () => {
    for (const name of ['emails', 'phoneNumbers', 'ims', 'photos', 'entitlements', 'roles', 'x509Certificates']) {
      const attribute = find(attributes, name);
      expect(attribute, name).toMatchObject({
        type: 'complex',
        multiValued: true,
      });
      expect(
        attribute.subAttributes?.map((sub) => sub.name),
        name,
      ).toEqual(['value', 'display', 'type', 'primary']);
    }
  });

  it('profileUrl and photos.value are external references; x509Certificates.value is binary', () => {
    expect(find(attributes, 'profileUrl')).toMatchObject({
      type: 'reference',
      referenceTypes: ['external'],
    });
    expect(find(attributes, 'photos.value')).toMatchObject({
      type: 'reference',
      referenceTypes: ['external'],
    });
    expect(find(attributes, 'x509Certificates.value').type).toBe('binary');
  });

  it('only userName is required', () => {
    const required = walk(attributes)
      .filter(({ attribute }) => attribute.required)
      .map(({ path }) => path);
    expect(required).toEqual(['userName']);
  });
});

describe('RFC 7643 §4.2/§8.7.1: Group schema', () => {
  const attributes = groupSchema.attributes;

  it('has the schema URI, displayName and members', () => {
    expect(groupSchema.id).toBe('urn:ietf:params:scim:schemas:core:2.0:Group');
    expect(attributes.map((attribute) => attribute.name)).toEqual(['displayName', 'members']);
  });

  it('displayName is required (§4.2, errata 5368)', () => {
    expect(find(attributes, 'displayName')).toMatchObject({
      type: 'string',
      required: true,
    });
  });

  it('members may change but every sub-attribute of a member is immutable', () => {
    const members = find(attributes, 'members');
    expect(members).toMatchObject({
      type: 'complex',
      multiValued: true,
      mutability: 'readWrite',
    });
    expect(members.subAttributes?.map((attribute) => attribute.name)).toEqual(['value', '$ref', 'type', 'display']);
    for (const attribute of members.subAttributes ?? []) {
      expect(attribute.mutability, attribute.name).toBe('immutable');
    }
    expect(find(attributes, 'members.$ref').referenceTypes).toEqual(['User', 'Group']);
    expect(find(attributes, 'members.type').canonicalValues).toEqual(['User', 'Group']);
  });
});

describe('RFC 7643 §4.3/§8.7.1: Enterprise User schema', () => {
  const attributes = enterpriseUserSchema.attributes;

  it('has the extension URI and its six attributes', () => {
    expect(enterpriseUserSchema.id).toBe('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
    expect(attributes.map((attribute) => attribute.name)).toEqual([
      'employeeNumber',
      'costCenter',
      'organization',
      'division',
      'department',
      'manager',
    ]);
  });

  it('manager refers to a User; its value is case exact (errata 8472) and displayName is readOnly', () => {
    expect(find(attributes, 'manager')).toMatchObject({
      type: 'complex',
      multiValued: false,
      required: false,
    });
    expect(find(attributes, 'manager').subAttributes?.map((attribute) => attribute.name)).toEqual([
      'value',
      '$ref',
      'displayName',
    ]);
    expect(find(attributes, 'manager.value')).toMatchObject({
      type: 'string',
      caseExact: true,
      mutability: 'readWrite',
    });
    expect(find(attributes, 'manager.$ref')).toMatchObject({
      type: 'reference',
      referenceTypes: ['User'],
    });
    expect(find(attributes, 'manager.displayName').mutability).toBe('readOnly');
  });
});
