import { describe, expect, it } from 'vitest';

import { schemaResource } from '../../../../src/scim/discovery/resources.js';
import { ScimError } from '../../../../src/scim/errors.js';
import { applyPatch } from '../../../../src/scim/patch/apply.js';
import { PATCH_OP_SCHEMA, parsePatchRequest } from '../../../../src/scim/patch/request.js';
import type { JsonObject, JsonValue } from '../../../../src/scim/resource/json.js';
import { validateResource } from '../../../../src/scim/resource/validate.js';
import { commonAttributes } from '../../../../src/scim/schema/common-attributes.js';
import {
  IDENTIFIER_MAX_LENGTH,
  maxLengthOf,
  RESOURCE_MAX_LENGTH,
  TEXT_MAX_LENGTH,
} from '../../../../src/scim/schema/limits.js';
import {
  defaultRegistry,
  GROUP_RESOURCE_TYPE,
  USER_RESOURCE_TYPE,
} from '../../../../src/scim/schema/built-in-types.js';
import { type ResourceTypeDefinition } from '../../../../src/scim/schema/registry.js';
import type { AttributeDefinition } from '../../../../src/scim/schema/types.js';

const USER = USER_RESOURCE_TYPE.schema.id;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function errorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but validation passed');
}

/** RFC 7644 §3.12: a value the service cannot accept is 400 invalidValue, and says which and why. */
function expectTooLong(run: () => unknown, path: string, max: number): void {
  const error = errorOf(run);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe('invalidValue');
  expect(error.detail).toContain(`"${path}"`);
  expect(error.detail).toContain(`at most ${max}`);
}

/** A value of the attribute's type, `length` code units long (binary: base64 of that length). */
function text(definition: AttributeDefinition, length: number): string {
  return (definition.type === 'binary' ? 'A' : 'x').repeat(length);
}

/** Where a writable text attribute sits: how to put a value there, and how errors name it. */
interface Place {
  readonly type: ResourceTypeDefinition;
  readonly path: string;
  readonly definition: AttributeDefinition;
  body(value: string): JsonObject;
}

/** Every attribute and sub-attribute whose JSON value is a string a client may write. */
function places(type: ResourceTypeDefinition): Place[] {
  const schemas = [type.schema.id, ...type.schemaExtensions.map((e) => e.schema.id)];
  const required = type.schema.attributes.filter((a) => a.required);
  // The required attributes, filled in wherever the value goes somewhere else.
  const base: JsonObject = Object.fromEntries(required.map((a) => [a.name, 'r']));
  const levels: [string | undefined, readonly AttributeDefinition[]][] = [
    [undefined, [...commonAttributes, ...type.schema.attributes]],
    ...type.schemaExtensions.map((e): [string, readonly AttributeDefinition[]] => [e.schema.id, e.schema.attributes]),
  ];
  const found: Place[] = [];
  for (const [urn, attributes] of levels) {
    const prefix = urn === undefined ? '' : `${urn}:`;
    const body = (attribute: AttributeDefinition, value: JsonValue): JsonObject => {
      const member = { [attribute.name]: attribute.multiValued ? [value] : value };
      return { schemas, ...base, ...(urn === undefined ? member : { [urn]: member }) };
    };
    for (const a of attributes) {
      if (a.mutability === 'readOnly') continue;
      const at = a.multiValued ? `${prefix}${a.name}[0]` : `${prefix}${a.name}`;
      for (const sub of a.subAttributes ?? []) {
        if (sub.mutability === 'readOnly' || maxLengthOf(sub) === undefined) continue;
        found.push({
          type,
          path: `${at}.${sub.name}${sub.multiValued ? '[0]' : ''}`,
          definition: sub,
          body: (v) => body(a, { [sub.name]: sub.multiValued ? [v] : v }),
        });
      }
      if (maxLengthOf(a) !== undefined) found.push({ type, path: at, definition: a, body: (v) => body(a, v) });
    }
  }
  return found;
}

const everyPlace = defaultRegistry.resourceTypes.flatMap(places);

describe('length limits (schema/limits.ts; RFC 7644 §3.12 invalidValue)', () => {
  it('covers sub-attributes, extension attributes, references and binaries', () => {
    const paths = everyPlace.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'userName',
        'externalId',
        'displayName',
        'title',
        'name.givenName',
        'emails[0].value',
        'addresses[0].formatted',
        'profileUrl',
        'x509Certificates[0].value',
        `${ENTERPRISE}:employeeNumber`,
        `${ENTERPRISE}:manager.value`,
        'members[0].value',
        'members[0].$ref',
      ]),
    );
  });

  it.each(everyPlace.map((p) => [`${p.type.name} ${p.path}`, p] as const))(
    '%s: accepts a value at its limit and refuses one a unit longer, naming it',
    (_, place) => {
      const max = maxLengthOf(place.definition) ?? 0;
      expect(max).toBeGreaterThan(0);
      // A canonical value cannot be that long, nor a dateTime; the length is checked first all the same.
      if (place.definition.canonicalValues === undefined && place.definition.type !== 'dateTime') {
        expect(() => validateResource(place.type, place.body(text(place.definition, max)))).not.toThrow();
      }
      expectTooLong(() => validateResource(place.type, place.body(text(place.definition, max + 1))), place.path, max);
    },
  );

  it('keeps identifiers (B-tree keys, ids, addresses) to 512 and other strings to 16384', () => {
    const limit = (type: ResourceTypeDefinition, path: string) => {
      const place = places(type).find((p) => p.path === path);
      if (place === undefined) throw new Error(`no place ${path}`);
      return maxLengthOf(place.definition);
    };
    expect(IDENTIFIER_MAX_LENGTH).toBe(512);
    expect(TEXT_MAX_LENGTH).toBe(16_384);
    for (const path of ['userName', 'externalId', 'emails[0].value', `${ENTERPRISE}:manager.value`]) {
      expect(limit(USER_RESOURCE_TYPE, path), path).toBe(IDENTIFIER_MAX_LENGTH);
    }
    for (const path of ['displayName', 'externalId', 'members[0].value']) {
      expect(limit(GROUP_RESOURCE_TYPE, path), path).toBe(IDENTIFIER_MAX_LENGTH);
    }
    for (const path of ['displayName', 'title', 'photos[0].value', 'x509Certificates[0].value', 'password']) {
      expect(limit(USER_RESOURCE_TYPE, path), path).toBe(TEXT_MAX_LENGTH);
    }
    expect(limit(GROUP_RESOURCE_TYPE, 'members[0].display')).toBe(TEXT_MAX_LENGTH);
  });

  it('counts UTF-16 code units: a character outside the BMP counts two', () => {
    const astral = '😀'.repeat(IDENTIFIER_MAX_LENGTH / 2);
    expect(() => validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: astral })).not.toThrow();
    expectTooLong(
      () => validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: `${astral}a` }),
      'userName',
      IDENTIFIER_MAX_LENGTH,
    );
  });

  it('bounds a dateTime too, whose fraction digits xsd:dateTime does not limit (RFC 7643 §2.3.5)', () => {
    const since: AttributeDefinition = {
      name: 'since',
      type: 'dateTime',
      multiValued: false,
      description: 'since',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    };
    const type: ResourceTypeDefinition = {
      ...USER_RESOURCE_TYPE,
      schema: { ...USER_RESOURCE_TYPE.schema, attributes: [since] },
      schemaExtensions: [],
    };
    const at = (length: number) => `2011-05-13T04:42:34.${'1'.repeat(length - 21)}Z`;
    expect(at(TEXT_MAX_LENGTH)).toHaveLength(TEXT_MAX_LENGTH);
    expect(() => validateResource(type, { schemas: [USER], since: at(TEXT_MAX_LENGTH) })).not.toThrow();
    expectTooLong(
      () => validateResource(type, { schemas: [USER], since: at(TEXT_MAX_LENGTH + 1) }),
      'since',
      TEXT_MAX_LENGTH,
    );
  });

  it('does not echo a value that is too long', () => {
    const error = errorOf(() =>
      validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: 'u', title: 'secret'.repeat(10_000) }),
    );
    expect(error.detail).not.toContain('secret');
    expect(error.detail.length).toBeLessThan(300);
  });

  it('refuses a password over the limit without echoing it', () => {
    const password = 'p'.repeat(TEXT_MAX_LENGTH);
    expect(validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: 'u', password }).password).toBe(password);
    const error = errorOf(() =>
      validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: 'u', password: `${password}p` }),
    );
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('"password"');
    expect(error.detail).not.toContain('ppp');
  });

  it('refuses the result of a PATCH that sets a value over its limit, as the use cases validate it (RFC 7644 §3.5.2)', () => {
    const existing = validateResource(USER_RESOURCE_TYPE, { schemas: [USER], userName: 'u' }).document;
    const patched = (value: string) =>
      applyPatch(
        USER_RESOURCE_TYPE,
        existing,
        parsePatchRequest({
          schemas: [PATCH_OP_SCHEMA],
          Operations: [{ op: 'add', path: 'emails[type eq "work"].value', value }],
        }),
        { createMissingFilteredElements: true },
      ).document;
    const atLimit = patched('e'.repeat(IDENTIFIER_MAX_LENGTH));
    expect(() => validateResource(USER_RESOURCE_TYPE, atLimit, { existing })).not.toThrow();
    expectTooLong(
      () => validateResource(USER_RESOURCE_TYPE, patched('e'.repeat(IDENTIFIER_MAX_LENGTH + 1)), { existing }),
      'emails[0].value',
      IDENTIFIER_MAX_LENGTH,
    );
  });
});

describe('the resource limit (RESOURCE_MAX_LENGTH)', () => {
  /** A user whose canonical document is exactly `length` characters of JSON. */
  function userOfLength(length: number): JsonObject {
    const addresses = (last: number): JsonObject => ({
      schemas: [USER],
      userName: 'u',
      addresses: [
        ...Array.from({ length: 63 }, () => ({ formatted: 'a'.repeat(TEXT_MAX_LENGTH) })),
        { formatted: 'a'.repeat(last) },
      ],
    });
    const probe = JSON.stringify(validateResource(USER_RESOURCE_TYPE, addresses(0)).document).length;
    return addresses(length - probe);
  }

  it('accepts a resource of exactly the limit as JSON and refuses one a character longer, naming the limit', () => {
    expect(() => validateResource(USER_RESOURCE_TYPE, userOfLength(RESOURCE_MAX_LENGTH))).not.toThrow();
    const error = errorOf(() => validateResource(USER_RESOURCE_TYPE, userOfLength(RESOURCE_MAX_LENGTH + 1)));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('User');
    expect(error.detail).toContain(String(RESOURCE_MAX_LENGTH));
  });
});

describe('/Schemas advertises the limits validation enforces (RFC 7643 §7 "description")', () => {
  type Described = ReturnType<typeof schemaResource>['attributes'][number];

  /** Each definition beside what /Schemas says of it, sub-attributes included. */
  function pairs(definitions: readonly AttributeDefinition[], described: readonly Described[]) {
    return definitions.flatMap((definition, i): [AttributeDefinition, Described][] => {
      const said = described[i];
      if (said?.name !== definition.name) throw new Error(`/Schemas lists ${said?.name} for ${definition.name}`);
      return [[definition, said], ...pairs(definition.subAttributes ?? [], said.subAttributes ?? [])];
    });
  }
  const all = defaultRegistry.schemas.flatMap((schema) =>
    pairs(schema.attributes, schemaResource(schema, 'https://scim.example.test').attributes),
  );

  it('ends the description of each writable text attribute with the limit that validation enforces', () => {
    const stated = all.filter(
      ([definition]) => definition.mutability !== 'readOnly' && maxLengthOf(definition) !== undefined,
    );
    expect(stated.length).toBeGreaterThan(40);
    for (const [definition, said] of stated) {
      expect(said.description, definition.name).toMatch(
        new RegExp(
          ` Limit of this service: at most ${maxLengthOf(definition) ?? 0} characters \\(UTF-16 code units\\)\\.$`,
        ),
      );
    }
  });

  it('states no limit for read-only attributes, which clients do not write, nor for non-text ones', () => {
    const silent = all.filter(
      ([definition]) => definition.mutability === 'readOnly' || maxLengthOf(definition) === undefined,
    );
    expect(silent.map(([d]) => d.name)).toEqual(expect.arrayContaining(['groups', 'active', 'value']));
    for (const [definition, said] of silent) expect(said.description).toBe(definition.description);
  });

  it("states the resource limit and externalId's (a common attribute, on no schema) in each schema's description", () => {
    for (const schema of defaultRegistry.schemas) {
      const { description } = schemaResource(schema, 'https://scim.example.test');
      expect(description).toContain(`a resource of at most ${RESOURCE_MAX_LENGTH} characters as JSON`);
      expect(description).toContain(`externalId (RFC 7643 §3.1) at most ${IDENTIFIER_MAX_LENGTH} characters`);
    }
  });
});
