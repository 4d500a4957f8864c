import { describe, expect, it } from 'vitest';

import { ScimError } from '../../../../src/scim/errors.js';
import { extensionDefinitionBody, parseExtensionDefinition } from '../../../../src/scim/schema/extension-definition.js';
import type { AttributeDefinition } from '../../../../src/scim/schema/types.js';

const RESOURCE_TYPES = ['User', 'Group'] as const;
const ENTRA_URN = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
const OKTA_URN = 'urn:okta:acme_app_1:1.0:user:custom';
const URN = 'urn:example:acme:2.0:User';

/** A string attribute with every characteristic at its RFC 7643 §2.2 default. */
function defaults(name: string): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    description: '',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
  };
}

function parse(body: unknown, urn = URN) {
  return parseExtensionDefinition(urn, body, RESOURCE_TYPES);
}

/** The 400 invalidValue detail the body is refused with. */
function refusal(body: unknown, urn = URN): string {
  try {
    parse(body, urn);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    return error.detail;
  }
  throw new Error('the definition was accepted');
}

/** A valid body with these attributes. */
function withAttributes(...attributes: unknown[]) {
  return { resourceType: 'User', attributes };
}

describe('parseExtensionDefinition: accepted definitions', () => {
  it("accepts Entra's documented custom extension: a string CustomAttribute under urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User", () => {
    // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/customize-application-attributes
    const parsed = parse(
      {
        id: ENTRA_URN,
        name: 'CustomExtensionName',
        resourceType: 'User',
        attributes: [{ name: 'CustomAttribute', type: 'string', multiValued: false }],
      },
      ENTRA_URN,
    );
    expect(parsed).toEqual({
      resourceType: 'User',
      schema: {
        id: ENTRA_URN,
        name: 'CustomExtensionName',
        description: '',
        attributes: [defaults('CustomAttribute')],
      },
    });
  });

  it('accepts an Okta-style app URN (urn:okta:<app>:1.0:user:custom) with boolean and string attributes', () => {
    const parsed = parse(
      withAttributes({ name: 'isAdmin', type: 'boolean' }, { name: 'departmentName', type: 'string' }),
      OKTA_URN,
    );
    expect(parsed.schema.id).toBe(OKTA_URN);
    expect(parsed.schema.attributes).toEqual([{ ...defaults('isAdmin'), type: 'boolean' }, defaults('departmentName')]);
  });

  it('RFC 7643 §2.2: characteristics left out take their defaults; name defaults to the last URN segment, description to ""', () => {
    const { schema } = parse(withAttributes({ name: 'costCenter' }));
    expect(schema).toEqual({ id: URN, name: 'User', description: '', attributes: [defaults('costCenter')] });
    for (const key of ['canonicalValues', 'referenceTypes', 'subAttributes', 'maxLength']) {
      expect(schema.attributes[0]).not.toHaveProperty(key);
    }
  });

  it('keeps every characteristic given, and the attributes in the order given', () => {
    const { schema } = parse({
      name: 'Acme',
      description: 'Acme HR data',
      resourceType: 'User',
      attributes: [
        {
          name: 'level',
          type: 'string',
          multiValued: true,
          description: 'Grade',
          required: true,
          caseExact: true,
          mutability: 'immutable',
          returned: 'always',
          uniqueness: 'none',
          canonicalValues: ['junior', 'senior'],
        },
        { name: 'badge', type: 'integer', mutability: 'readOnly', returned: 'request' },
        { name: 'pin', type: 'string', mutability: 'writeOnly', returned: 'never' },
        { name: 'hired', type: 'dateTime' },
        { name: 'salary', type: 'decimal' },
        { name: 'photo', type: 'binary' },
      ],
    });
    expect(schema.name).toBe('Acme');
    expect(schema.description).toBe('Acme HR data');
    expect(schema.attributes.map((a) => a.name)).toEqual(['level', 'badge', 'pin', 'hired', 'salary', 'photo']);
    expect(schema.attributes[0]).toEqual({
      name: 'level',
      type: 'string',
      multiValued: true,
      description: 'Grade',
      required: true,
      caseExact: true,
      mutability: 'immutable',
      returned: 'always',
      uniqueness: 'none',
      canonicalValues: ['junior', 'senior'],
    });
    expect(schema.attributes[1]).toMatchObject({ type: 'integer', mutability: 'readOnly', returned: 'request' });
    expect(schema.attributes[2]).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
  });

  it('RFC 7643 §2.3.7/§2.3.8: a complex attribute with a reference sub-attribute, "$ref" allowed as a sub-attribute name', () => {
    const { schema } = parse(
      withAttributes({
        name: 'sponsor',
        type: 'complex',
        subAttributes: [
          { name: 'value', caseExact: true },
          { name: '$ref', type: 'reference', referenceTypes: ['user', 'URI'] },
          { name: 'id' },
        ],
      }),
    );
    expect(schema.attributes).toEqual([
      {
        ...defaults('sponsor'),
        type: 'complex',
        subAttributes: [
          { ...defaults('value'), caseExact: true },
          // Resource type names take the registry's spelling; "external" and "uri" are lowercase.
          { ...defaults('$ref'), type: 'reference', referenceTypes: ['User', 'uri'] },
          // id, externalId, meta and schemas are reserved at the top level only.
          defaults('id'),
        ],
      },
    ]);
  });

  it('matches resourceType case-insensitively and returns the spelling of the list', () => {
    expect(parse({ resourceType: 'group', attributes: [{ name: 'code' }] }).resourceType).toBe('Group');
  });

  it('RFC 7643 §7: accepts an id equal to the URN but for case, and keeps the URN as the path spells it', () => {
    expect(parse({ id: URN.toUpperCase(), ...withAttributes({ name: 'a' }) }).schema.id).toBe(URN);
  });

  it('ignores "schemas" and "meta", so that what GET /Schemas returns can be PUT back', () => {
    const parsed = parse({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      meta: { resourceType: 'Schema', location: 'https://example.com/Schemas/x' },
      ...withAttributes({ name: 'a' }),
    });
    expect(parsed.schema.attributes).toEqual([defaults('a')]);
  });

  it('drops empty lists that do not apply to the type, and empty canonicalValues', () => {
    const { schema } = parse(
      withAttributes(
        { name: 'a', canonicalValues: [] },
        { name: 'b', type: 'integer', referenceTypes: [], subAttributes: [], canonicalValues: [] },
      ),
    );
    expect(schema.attributes).toEqual([defaults('a'), { ...defaults('b'), type: 'integer' }]);
  });

  it('allows the same sub-attribute name under different parents, and a name beside a sub-attribute of that name', () => {
    const complex = (name: string) => ({ name, type: 'complex', subAttributes: [{ name: 'code' }] });
    expect(parse(withAttributes(complex('home'), complex('work'), { name: 'code' })).schema.attributes).toHaveLength(3);
  });
});

describe('parseExtensionDefinition: the URN', () => {
  it.each([
    ['not-a-urn'],
    ['urn:okta'],
    ['urn:okta:'],
    ['urn:okta:app name'],
    ['urn:okta:a/b'],
    ['urn:okta::x'],
    ['urn:-okta:x'],
    ['http://example.com/schema'],
  ])('RFC 8141/RFC 7644 §3.10: refuses %j, which is not a URN an attribute path can carry', (urn) => {
    expect(refusal(withAttributes({ name: 'a' }), urn)).toContain(`URN ${JSON.stringify(urn)}: must be a URN`);
  });

  it('refuses a URN longer than 256 characters', () => {
    const urn = `urn:example:${'a'.repeat(250)}`;
    expect(refusal(withAttributes({ name: 'a' }), urn)).toContain('must be at most 256 characters long');
  });

  it.each([
    ['urn:ietf:params:scim:schemas:core:2.0:User'],
    ['urn:ietf:params:scim:schemas:core:2.0:group'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    ['URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER'],
  ])('refuses %s: a built-in schema cannot be redefined', (urn) => {
    expect(refusal(withAttributes({ name: 'a' }), urn)).toContain('is a schema this service defines');
  });

  it.each([
    ['urn:ietf:params:scim:schemas:core:2.0:Schema', 'urn:ietf:params:scim:schemas:core:2.0:'],
    ['urn:ietf:params:scim:schemas:core:2.0:Device', 'urn:ietf:params:scim:schemas:core:2.0:'],
    ['urn:ietf:params:scim:api:messages:2.0:PatchOp', 'urn:ietf:params:scim:api:messages:2.0:'],
  ])('refuses %s: its namespace is reserved for RFC 7643 and RFC 7644', (urn, namespace) => {
    expect(refusal(withAttributes({ name: 'a' }), urn)).toContain(`"${namespace}" is reserved`);
  });

  it('RFC 7643 §7: refuses an id that is not the URN of the request path', () => {
    expect(refusal({ id: 'urn:example:other', ...withAttributes({ name: 'a' }) })).toContain(
      `id: "urn:example:other" must be the URN the definition is put at, "${URN}"`,
    );
  });
});

describe('parseExtensionDefinition: the schema members', () => {
  it('refuses a body that is not a JSON object', () => {
    expect(refusal([])).toContain('body: must be a JSON object');
    expect(refusal(null)).toContain('body: must be a JSON object');
  });

  it('requires resourceType and attributes', () => {
    const detail = refusal({});
    expect(detail).toContain('resourceType: is required');
    expect(detail).toContain('attributes: is required');
  });

  it('refuses a resourceType the service does not have, listing those it has', () => {
    expect(refusal({ resourceType: 'Device', attributes: [{ name: 'a' }] })).toContain(
      'resourceType: must be one of User, Group (got "Device")',
    );
  });

  it('refuses no attributes, and more than 200', () => {
    expect(refusal(withAttributes())).toContain('attributes: must list at least one attribute');
    const many = Array.from({ length: 201 }, (_, i) => ({ name: `a${i}` }));
    expect(refusal(withAttributes(...many))).toContain('attributes: this service accepts at most 200 entries');
  });

  it('RFC 7643 §7: refuses unknown members, and names the member meant when only its case is wrong', () => {
    const detail = refusal({ ...withAttributes({ name: 'a' }), version: 2, Description: 'x' });
    expect(detail).toContain('version: is not a member of a schema representation (RFC 7643 §7)');
    expect(detail).toContain(
      'Description: is not a member of a schema representation (RFC 7643 §7) (did you mean "description"?)',
    );
  });

  it('refuses members of the wrong JSON type', () => {
    const detail = refusal({ name: 5, description: true, resourceType: 'User', attributes: {} });
    expect(detail).toContain('name: must be a string');
    expect(detail).toContain('description: must be a string');
    expect(detail).toContain('attributes: must be an array');
  });
});

describe('parseExtensionDefinition: attribute names', () => {
  it('requires a name', () => {
    expect(refusal(withAttributes({ type: 'string' }))).toContain('attributes[0].name: is required');
  });

  it.each([['2fa'], ['cost center'], ['cost.center'], ['$ref'], ['naïve']])(
    'RFC 7644 §3.10 ATTRNAME: refuses the attribute name %j',
    (name) => {
      expect(refusal(withAttributes({ name }))).toContain(
        `attributes[0] (${name}).name: must start with a letter and contain only letters, digits, "-" and "_" (ATTRNAME, RFC 7644 §3.10)`,
      );
    },
  );

  it('refuses "$ref" at the top level with the ATTRNAME message alone', () => {
    expect(refusal(withAttributes({ name: '$ref' }))).toMatch(
      /\(1 problem\): attributes\[0\] \(\$ref\)\.name: must start/,
    );
  });

  it('RFC 7644 §3.10 ATTRNAME: refuses an empty name', () => {
    expect(refusal(withAttributes({ name: '' }))).toContain('attributes[0].name: must start with a letter');
  });

  it('RFC 7644 §3.10: accepts "-" and "_" after the first letter', () => {
    expect(parse(withAttributes({ name: 'cost-center_2' })).schema.attributes[0]?.name).toBe('cost-center_2');
  });

  it('refuses a name longer than 64 characters', () => {
    expect(refusal(withAttributes({ name: `a${'b'.repeat(64)}` }))).toContain(
      '.name: must be at most 64 characters long',
    );
  });

  it('RFC 7643 §2.1: refuses two attributes whose names differ only in case, naming both', () => {
    expect(refusal(withAttributes({ name: 'costCenter' }, { name: 'other' }, { name: 'CostCenter' }))).toContain(
      'attributes[2] (CostCenter).name: repeats the name of attributes[0] (costCenter): attribute names are case-insensitive (RFC 7643 §2.1)',
    );
  });

  it('RFC 7643 §2.1: refuses two sub-attributes of one attribute whose names differ only in case', () => {
    const detail = refusal(
      withAttributes({ name: 'addr', type: 'complex', subAttributes: [{ name: 'zip' }, { name: 'ZIP' }] }),
    );
    expect(detail).toContain(
      'attributes[0].subAttributes[1] (ZIP).name: repeats the name of attributes[0].subAttributes[0] (zip)',
    );
  });

  it.each([['id'], ['externalId'], ['META'], ['schemas']])(
    'RFC 7643 §3.1: refuses the top-level name %s, which every resource already has',
    (name) => {
      expect(refusal(withAttributes({ name }))).toContain(`attributes[0] (${name}).name: "${name}" is reserved`);
    },
  );
});

describe('parseExtensionDefinition: characteristics', () => {
  it('RFC 7643 §2.3: refuses an unknown type, listing the types', () => {
    expect(refusal(withAttributes({ name: 'costCenter', type: 'text' }))).toContain(
      'attributes[0] (costCenter).type: must be one of string, boolean, decimal, integer, dateTime, reference, complex, binary (got "text")',
    );
  });

  it('RFC 7643 §7: refuses unknown mutability and returned values', () => {
    const detail = refusal(withAttributes({ name: 'a', mutability: 'readwrite', returned: 'sometimes' }));
    expect(detail).toContain(
      'attributes[0] (a).mutability: must be one of readOnly, readWrite, immutable, writeOnly (got "readwrite")',
    );
    expect(detail).toContain(
      'attributes[0] (a).returned: must be one of always, never, default, request (got "sometimes")',
    );
  });

  it('refuses non-boolean multiValued, required and caseExact', () => {
    const detail = refusal(withAttributes({ name: 'a', multiValued: 'false', required: 0, caseExact: null }));
    expect(detail).toContain('attributes[0] (a).multiValued: must be true or false');
    expect(detail).toContain('attributes[0] (a).required: must be true or false');
    expect(detail).toContain('attributes[0] (a).caseExact: must be true or false');
  });

  it('refuses a description longer than 1024 characters', () => {
    expect(refusal(withAttributes({ name: 'a', description: 'x'.repeat(1025) }))).toContain(
      'attributes[0] (a).description: must be at most 1024 characters long',
    );
  });

  it('RFC 7643 §7: refuses an unknown characteristic, suggesting the one meant', () => {
    const detail = refusal(withAttributes({ name: 'a', multivalued: true, maxLength: 10 }));
    expect(detail).toContain(
      'attributes[0] (a).multivalued: is not an attribute characteristic (RFC 7643 §7) (did you mean "multiValued"?)',
    );
    expect(detail).toContain('attributes[0] (a).maxLength: is not an attribute characteristic (RFC 7643 §7)');
  });

  it.each([['server'], ['global']])(
    'RFC 7643 §7: refuses uniqueness "%s", which this service does not enforce for extension attributes',
    (uniqueness) => {
      expect(refusal(withAttributes({ name: 'badge', uniqueness }))).toContain(
        `attributes[0] (badge).uniqueness: "${uniqueness}" is not accepted: this service does not enforce uniqueness of extension attributes, so it will not advertise it`,
      );
    },
  );

  it('RFC 7643 §7: a writeOnly attribute must be returned "never"', () => {
    expect(refusal(withAttributes({ name: 'pin', mutability: 'writeOnly' }))).toContain(
      'attributes[0] (pin).returned: a writeOnly attribute must have returned "never"',
    );
    expect(refusal(withAttributes({ name: 'pin', mutability: 'writeOnly', returned: 'request' }))).toContain(
      'attributes[0] (pin).returned: a writeOnly attribute must have returned "never"',
    );
  });

  it('takes canonicalValues on string attributes only', () => {
    expect(refusal(withAttributes({ name: 'level', type: 'integer', canonicalValues: ['1'] }))).toContain(
      'attributes[0] (level).canonicalValues: only string attributes take canonicalValues here, and this one is "integer"',
    );
  });

  it('refuses more than 100 canonicalValues, empty ones, and repeats that differ only in case', () => {
    const many = Array.from({ length: 101 }, (_, i) => `v${i}`);
    expect(refusal(withAttributes({ name: 'level', canonicalValues: many }))).toContain(
      'attributes[0] (level).canonicalValues: this service accepts at most 100 entries',
    );
    const detail = refusal(withAttributes({ name: 'level', canonicalValues: ['work', '', 'Work', 7] }));
    expect(detail).toContain('attributes[0] (level).canonicalValues[1]: must not be empty');
    expect(detail).toContain('attributes[0] (level).canonicalValues[2]: repeats canonicalValues[0]');
    expect(detail).toContain('attributes[0] (level).canonicalValues[3]: must be a string');
  });

  it('RFC 7643 §2.3.7: a reference attribute must list its referenceTypes', () => {
    const expected =
      'attributes[0] (homepage).referenceTypes: is required for a reference: the resource types it may refer to, from User, Group, external, uri';
    expect(refusal(withAttributes({ name: 'homepage', type: 'reference' }))).toContain(expected);
    expect(refusal(withAttributes({ name: 'homepage', type: 'reference', referenceTypes: [] }))).toContain(expected);
  });

  it('RFC 7643 §2.3.7: refuses referenceTypes that are no resource type, "external" or "uri"', () => {
    expect(
      refusal(withAttributes({ name: 'homepage', type: 'reference', referenceTypes: ['external', 'Device'] })),
    ).toContain('attributes[0] (homepage).referenceTypes[1]: must be one of User, Group, external, uri (got "Device"');
  });

  it('RFC 7643 §7: refuses referenceTypes on an attribute that is not a reference', () => {
    expect(refusal(withAttributes({ name: 'homepage', referenceTypes: ['external'] }))).toContain(
      'attributes[0] (homepage).referenceTypes: only reference attributes take referenceTypes (RFC 7643 §7), and this one is "string"',
    );
  });

  it('RFC 7643 §2.3.8: a complex attribute needs sub-attributes', () => {
    const expected =
      'attributes[0] (address).subAttributes: a complex attribute needs at least one sub-attribute (RFC 7643 §2.3.8, §7)';
    expect(refusal(withAttributes({ name: 'address', type: 'complex' }))).toContain(expected);
    expect(refusal(withAttributes({ name: 'address', type: 'complex', subAttributes: [] }))).toContain(expected);
  });

  it('RFC 7643 §2.3.8: only complex attributes have sub-attributes', () => {
    expect(refusal(withAttributes({ name: 'address', subAttributes: [{ name: 'code' }] }))).toContain(
      'attributes[0] (address).subAttributes: only complex attributes have sub-attributes (RFC 7643 §2.3.8), and this one is "string"',
    );
  });

  it('RFC 7643 §2.3.8: a sub-attribute cannot itself be complex', () => {
    expect(
      refusal(
        withAttributes({
          name: 'address',
          type: 'complex',
          subAttributes: [{ name: 'street' }, { name: 'code', type: 'complex' }],
        }),
      ),
    ).toContain(
      'attributes[0].subAttributes[1] (code).type: a sub-attribute cannot itself be complex (RFC 7643 §2.3.8)',
    );
  });

  it('RFC 7643 §2.3.8: a sub-attribute cannot have sub-attributes', () => {
    expect(
      refusal(
        withAttributes({
          name: 'address',
          type: 'complex',
          subAttributes: [{ name: 'code', subAttributes: [{ name: 'x' }] }],
        }),
      ),
    ).toContain(
      'attributes[0].subAttributes[0] (code).subAttributes: a sub-attribute cannot have sub-attributes of its own (RFC 7643 §2.3.8)',
    );
  });

  it('refuses more than 50 sub-attributes', () => {
    const subAttributes = Array.from({ length: 51 }, (_, i) => ({ name: `s${i}` }));
    expect(refusal(withAttributes({ name: 'address', type: 'complex', subAttributes }))).toContain(
      'attributes[0] (address).subAttributes: this service accepts at most 50 entries',
    );
  });

  it('applies the characteristic rules to sub-attributes too', () => {
    const detail = refusal(
      withAttributes({
        name: 'address',
        type: 'complex',
        subAttributes: [
          { name: '2nd' },
          { name: 'code', type: 'number' },
          { name: 'pin', mutability: 'writeOnly' },
          { name: 'link', type: 'reference' },
          { name: '$ref', type: 'string' },
          { name: 'tag', uniqueness: 'global' },
        ],
      }),
    );
    expect(detail).toContain('attributes[0].subAttributes[0] (2nd).name: must start with a letter');
    expect(detail).toContain('attributes[0].subAttributes[1] (code).type: must be one of');
    expect(detail).toContain(
      'attributes[0].subAttributes[2] (pin).returned: a writeOnly attribute must have returned "never"',
    );
    expect(detail).toContain('attributes[0].subAttributes[3] (link).referenceTypes: is required for a reference');
    expect(detail).toContain('attributes[0].subAttributes[4] ($ref).type: a "$ref" sub-attribute holds a reference');
    expect(detail).toContain('attributes[0].subAttributes[5] (tag).uniqueness: "global" is not accepted');
  });

  it('refuses an attribute that is not a JSON object', () => {
    expect(refusal(withAttributes({ name: 'a' }, 'b'))).toContain('attributes[1]: must be a JSON object');
  });
});

describe('parseExtensionDefinition: every problem at once', () => {
  it('lists every problem in one 400 invalidValue, each with its place, counted', () => {
    const detail = refusal(
      {
        id: 'urn:example:other',
        resourceType: 'Device',
        colour: 'blue',
        attributes: [
          { name: 'costCenter', type: 'text' },
          { name: 'CostCenter' },
          { name: 'badge', uniqueness: 'server' },
          { name: 'address', type: 'complex', subAttributes: [{ name: 'code', type: 'complex' }] },
        ],
      },
      'urn:ietf:params:scim:schemas:core:2.0:Device',
    );
    const problems = [
      'URN "urn:ietf:params:scim:schemas:core:2.0:Device": "urn:ietf:params:scim:schemas:core:2.0:" is reserved',
      'colour: is not a member of a schema representation',
      'attributes[0] (costCenter).type: must be one of',
      'id: "urn:example:other" must be the URN',
      'resourceType: must be one of User, Group (got "Device")',
      'attributes[1] (CostCenter).name: repeats the name of attributes[0] (costCenter)',
      'attributes[2] (badge).uniqueness: "server" is not accepted',
      'attributes[3].subAttributes[0] (code).type: a sub-attribute cannot itself be complex',
    ];
    expect(detail).toMatch(/^Invalid schema extension definition \(8 problems\): /);
    for (const problem of problems) expect(detail).toContain(problem);
    expect(detail.split('; ')).toHaveLength(problems.length);
  });

  it('says "1 problem" for one', () => {
    expect(refusal(withAttributes({ name: 'a', type: 'text' }))).toMatch(
      /^Invalid schema extension definition \(1 problem\): /,
    );
  });
});

describe('extensionDefinitionBody', () => {
  const body = {
    name: 'Acme',
    description: 'Acme HR data',
    resourceType: 'user',
    attributes: [
      { name: 'level', canonicalValues: ['junior', 'senior'], required: true },
      { name: 'pin', mutability: 'writeOnly', returned: 'never' },
      {
        name: 'sponsor',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', caseExact: true },
          { name: '$ref', type: 'reference', referenceTypes: ['User', 'external'] },
        ],
      },
    ],
  };

  it('RFC 7643 §7: spells out every characteristic, with the Schema schema and the resource type', () => {
    const { resourceType, schema } = parse(body);
    const rendered = extensionDefinitionBody(resourceType, schema);
    expect(rendered).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: URN,
      name: 'Acme',
      description: 'Acme HR data',
      resourceType: 'User',
      attributes: [
        { ...defaults('level'), required: true, canonicalValues: ['junior', 'senior'] },
        { ...defaults('pin'), mutability: 'writeOnly', returned: 'never' },
        {
          ...defaults('sponsor'),
          type: 'complex',
          multiValued: true,
          subAttributes: [
            { ...defaults('value'), caseExact: true },
            { ...defaults('$ref'), type: 'reference', referenceTypes: ['User', 'external'] },
          ],
        },
      ],
    });
  });

  it('leaves maxLength out: it is no RFC 7643 §7 characteristic', () => {
    const rendered = extensionDefinitionBody('User', {
      id: URN,
      name: 'X',
      description: '',
      attributes: [{ ...defaults('code'), maxLength: 10 }],
    });
    expect(rendered.attributes[0]).not.toHaveProperty('maxLength');
  });

  it('round trip: parse → extensionDefinitionBody → parse gives the same definition', () => {
    const first = parse(body);
    const again = parseExtensionDefinition(
      URN,
      JSON.parse(JSON.stringify(extensionDefinitionBody(first.resourceType, first.schema))),
      RESOURCE_TYPES,
    );
    expect(again).toEqual(first);
    const entra = parse(withAttributes({ name: 'CustomAttribute' }), ENTRA_URN);
    expect(parse(extensionDefinitionBody(entra.resourceType, entra.schema), ENTRA_URN)).toEqual(entra);
  });
});
