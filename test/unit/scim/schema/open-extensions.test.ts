import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../../src/scim/errors.js';
import { buildSearchDocument } from '../../../../src/scim/resource/search-document.js';
import { validateResource } from '../../../../src/scim/resource/validate.js';
import { USER_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';
import {
  typeHolding,
  undeclaredInPatch,
  undeclaredInResource,
  withOpenExtensions,
} from '../../../../src/scim/schema/open-extensions.js';

// Extensions a tenant never declared, accepted as sent (issue 12, unknownExtensions "accept").

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

const names = (found: ReturnType<typeof undeclaredInResource>) =>
  Object.fromEntries([...found.values()].map((e) => [e.urn, [...e.attributes].sort()]));

describe('what a request carries that the tenant never declared', () => {
  it('finds extension objects under undeclared URNs in a resource body, not declared ones', () => {
    const found = undeclaredInResource(USER_RESOURCE_TYPE, {
      schemas: [CORE],
      userName: 'a',
      [ACME]: { costCenter: 'c', level: 3, 'not a name': 1 },
      [ENTERPRISE]: { department: 'd' },
      'urn:flat:attr': 'a scalar is no extension object',
    });
    expect(names(found)).toEqual({ [ACME]: ['costCenter', 'level'] });
  });

  it('reads a PATCH path up to its last colon, a bare URN with an object, and pathless values', () => {
    const found = undeclaredInPatch(USER_RESOURCE_TYPE, [
      { op: 'add', path: `${ACME}:costCenter`, value: 'c' },
      { op: 'replace', path: `${ACME}:badge.code`, value: 'b' },
      { op: 'replace', path: 'urn:okta:app:1.0:user:custom', value: { isAdmin: true } },
      { op: 'replace', value: { 'urn:example:x:1.0': { a: 1 } } },
      { op: 'remove', path: `${ENTERPRISE}:department` },
      { op: 'remove', path: 'emails[type eq "work"]' },
    ]);
    expect(names(found)).toEqual({
      [ACME]: ['badge', 'costCenter'],
      'urn:okta:app:1.0:user:custom': ['isAdmin'],
      'urn:example:x:1.0': ['a'],
    });
  });
});

describe('a bare URN already accepted undeclared', () => {
  it('is still read as the extension, not split at its last colon', () => {
    const known = withOpenExtensions(
      USER_RESOURCE_TYPE,
      undeclaredInResource(USER_RESOURCE_TYPE, { [ACME]: { a: 1 } }),
    );
    const found = undeclaredInPatch(known, [{ op: 'replace', path: ACME, value: { costCenter: 'c' } }]);
    expect(names(found)).toEqual({ [ACME]: ['costCenter'] });
  });
});

describe('open extensions on a type', () => {
  const type = withOpenExtensions(
    USER_RESOURCE_TYPE,
    undeclaredInResource(USER_RESOURCE_TYPE, { [ACME]: { costCenter: 'c' } }),
  );

  it('adds an open extension with string attributes, and never overrides a declared one', () => {
    const open = type.schemaExtensions.find((e) => e.schema.id === ACME);
    expect(open).toMatchObject({ open: true, required: false });
    expect(open?.schema.attributes.map((a) => [a.name, a.type, a.caseExact])).toEqual([
      ['costCenter', 'string', false],
    ]);
    const again = withOpenExtensions(type, undeclaredInResource(USER_RESOURCE_TYPE, { [ENTERPRISE]: { x: 1 } }));
    expect(again.schemaExtensions.filter((e) => e.open === true)).toHaveLength(1);
  });

  it('merges later attributes into the open extension, keeping the spelling first seen', () => {
    const later = withOpenExtensions(
      type,
      undeclaredInResource(type, { [ACME.toUpperCase()]: { CostCenter: 'x', level: 1 } }),
    );
    const open = later.schemaExtensions.find((e) => e.open === true);
    expect(open?.schema.id).toBe(ACME);
    expect(open?.schema.attributes.map((a) => a.name)).toEqual(['costCenter', 'level']);
  });

  it('stores values as sent, spelled as first seen, and shadows them as lowercased strings', () => {
    const { document } = validateResource(type, {
      schemas: [CORE, ACME],
      userName: 'a',
      [ACME]: { COSTCENTER: 'Sales', ignored: null },
    });
    expect(document[ACME]).toEqual({ costCenter: 'Sales' });
    const numeric = withOpenExtensions(type, undeclaredInResource(type, { [ACME]: { level: 3, remote: true } }));
    const stored = validateResource(numeric, {
      schemas: [CORE, ACME],
      userName: 'b',
      [ACME]: { level: 3, remote: true },
    });
    expect(stored.document[ACME]).toEqual({ level: 3, remote: true });
    const shadow = buildSearchDocument(numeric, stored.document);
    expect(shadow[ACME.toLowerCase()]).toEqual({ level: '3', remote: 'true' });
    expect(shadow['$pr']).toEqual(expect.arrayContaining([`${ACME.toLowerCase()}:level`]));
  });

  it('refuses a list or an object, and an attribute the open extension does not have', () => {
    const refused = (value: Record<string, unknown>) => {
      try {
        validateResource(type, { schemas: [CORE, ACME], userName: 'a', [ACME]: value });
      } catch (error) {
        if (error instanceof ScimError) return error.detail;
      }
      return 'accepted';
    };
    expect(refused({ costCenter: ['a'] })).toContain('declare the extension');
    expect(refused({ costCenter: { a: 1 } })).toContain('declare the extension');
    expect(refused({ other: 'x' })).toContain('does not accept unknown extensions');
  });

  it('reads a stored resource with the open extensions it holds', () => {
    const held = typeHolding(USER_RESOURCE_TYPE, { userName: 'a', [ACME]: { costCenter: 'c' } });
    expect(held.schemaExtensions.map((e) => e.schema.id)).toContain(ACME);
    expect(typeHolding(USER_RESOURCE_TYPE, { userName: 'a' })).toBe(USER_RESOURCE_TYPE);
  });
});
