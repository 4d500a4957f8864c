import { describe, expect, it } from 'vitest';

import { compareExtensionDefinitions, storedValuePaths } from '../../../../src/scim/schema/extension-change.js';
import type { AttributeDefinition, SchemaDefinition } from '../../../../src/scim/schema/types.js';

const URN = 'urn:example:acme:2.0:User';

function attribute(name: string, changes: Partial<AttributeDefinition> = {}): AttributeDefinition {
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
    ...changes,
  };
}

function schema(...attributes: AttributeDefinition[]): SchemaDefinition {
  return { id: URN, name: 'Acme', description: '', attributes };
}

const address = (...subAttributes: AttributeDefinition[]) => attribute('address', { type: 'complex', subAttributes });

const NOTHING = { added: [], removed: [], retyped: [], other: [] };

describe('compareExtensionDefinitions', () => {
  it('finds nothing between a definition and itself', () => {
    const s = schema(attribute('costCenter'), address(attribute('code')));
    expect(compareExtensionDefinitions(s, s)).toEqual(NOTHING);
  });

  it('lists attributes added and removed', () => {
    const change = compareExtensionDefinitions(
      schema(attribute('costCenter'), attribute('badge')),
      schema(attribute('costCenter'), attribute('level')),
    );
    expect(change).toEqual({ ...NOTHING, added: ['level'], removed: ['badge'] });
  });

  it('sees a renamed attribute as one removed and one added', () => {
    const change = compareExtensionDefinitions(schema(attribute('costCenter')), schema(attribute('costCentre')));
    expect(change).toEqual({ ...NOTHING, added: ['costCentre'], removed: ['costCenter'] });
  });

  it('RFC 7643 §2.1: a name respelled in another case is the same attribute, reported under "other" only', () => {
    const change = compareExtensionDefinitions(schema(attribute('costCenter')), schema(attribute('CostCenter')));
    expect(change).toEqual({ ...NOTHING, other: ['costCenter.name: costCenter → CostCenter'] });
  });

  it('counts a type change as retyped', () => {
    const change = compareExtensionDefinitions(
      schema(attribute('level')),
      schema(attribute('level', { type: 'integer' })),
    );
    expect(change.retyped).toEqual([{ path: 'level', change: 'type: string → integer' }]);
  });

  it('counts a multiValued change as retyped', () => {
    const change = compareExtensionDefinitions(
      schema(attribute('tags')),
      schema(attribute('tags', { multiValued: true })),
    );
    expect(change.retyped).toEqual([{ path: 'tags', change: 'multiValued: false → true' }]);
  });

  it('counts caseExact on text as retyped (the search shadow lowercases text that is not caseExact)', () => {
    for (const type of ['string', 'reference', 'binary'] as const) {
      const change = compareExtensionDefinitions(
        schema(attribute('code', { type })),
        schema(attribute('code', { type, caseExact: true })),
      );
      expect(change.retyped).toEqual([{ path: 'code', change: 'caseExact: false → true' }]);
    }
  });

  it('counts caseExact on a type without case as other', () => {
    const change = compareExtensionDefinitions(
      schema(attribute('level', { type: 'integer' })),
      schema(attribute('level', { type: 'integer', caseExact: true })),
    );
    expect(change).toEqual({ ...NOTHING, other: ['level.caseExact: false → true'] });
  });

  it('RFC 7643 §7 canonicalValues: a value taken out of the list is retyped, one put in is other', () => {
    const change = compareExtensionDefinitions(
      schema(attribute('level', { canonicalValues: ['junior', 'senior', 'lead'] })),
      schema(attribute('level', { canonicalValues: ['junior', 'principal'] })),
    );
    expect(change.retyped).toEqual([{ path: 'level', change: 'canonicalValues: "senior", "lead" removed' }]);
    expect(change.other).toEqual(['level.canonicalValues: "principal" added']);
  });

  it('counts a first canonicalValues list as retyped: values stored before may not be in it', () => {
    const change = compareExtensionDefinitions(
      schema(attribute('level')),
      schema(attribute('level', { canonicalValues: ['junior'] })),
    );
    expect(change.retyped).toEqual([{ path: 'level', change: 'canonicalValues: now restricted to "junior"' }]);
  });

  it('counts dropping the canonicalValues list, or respelling a value, as other', () => {
    expect(
      compareExtensionDefinitions(
        schema(attribute('level', { canonicalValues: ['junior'] })),
        schema(attribute('level')),
      ),
    ).toEqual({ ...NOTHING, other: ['level.canonicalValues: any value now accepted'] });
    expect(
      compareExtensionDefinitions(
        schema(attribute('level', { canonicalValues: ['junior'] })),
        schema(attribute('level', { canonicalValues: ['Junior'] })),
      ),
    ).toEqual({ ...NOTHING, other: ['level.canonicalValues: "Junior" respelled'] });
  });

  it('reports a removed sub-attribute as retyped, under its own path', () => {
    const change = compareExtensionDefinitions(
      schema(address(attribute('street'), attribute('code'))),
      schema(address(attribute('street'))),
    );
    expect(change).toEqual({ ...NOTHING, retyped: [{ path: 'address.code', change: 'removed' }] });
  });

  it('reports a retyped sub-attribute under its own path', () => {
    const change = compareExtensionDefinitions(
      schema(address(attribute('code'))),
      schema(address(attribute('code', { type: 'integer' }))),
    );
    expect(change.retyped).toEqual([{ path: 'address.code', change: 'type: string → integer' }]);
  });

  it('lists an added sub-attribute under added, with its path', () => {
    const change = compareExtensionDefinitions(
      schema(address(attribute('code'))),
      schema(address(attribute('code'), attribute('country'))),
    );
    expect(change).toEqual({ ...NOTHING, added: ['address.country'] });
  });

  it('reports a complex attribute that becomes simple by its type alone, not by each sub-attribute', () => {
    const change = compareExtensionDefinitions(schema(address(attribute('code'))), schema(attribute('address')));
    expect(change.retyped).toEqual([{ path: 'address', change: 'type: complex → string' }]);
    expect(change.added).toEqual([]);
  });

  it('spells paths as the earlier version does, matching names case-insensitively', () => {
    const change = compareExtensionDefinitions(
      schema(address(attribute('postalCode'))),
      schema(attribute('Address', { type: 'complex', subAttributes: [attribute('POSTALCODE', { type: 'integer' })] })),
    );
    expect(change.retyped).toEqual([{ path: 'address.postalCode', change: 'type: string → integer' }]);
  });

  it('lists changes stored values are unaffected by under other, as "path.characteristic: old → new"', () => {
    const change = compareExtensionDefinitions(
      {
        id: URN,
        name: 'Acme',
        description: 'HR',
        attributes: [attribute('costCenter'), attribute('link', { type: 'reference', referenceTypes: ['User'] })],
      },
      {
        id: URN,
        name: 'AcmeHR',
        description: 'HR data',
        attributes: [
          attribute('costCenter', {
            description: 'Where costs go',
            required: true,
            mutability: 'immutable',
            returned: 'always',
          }),
          attribute('link', { type: 'reference', referenceTypes: ['User', 'Group'] }),
        ],
      },
    );
    expect(change).toEqual({
      ...NOTHING,
      other: [
        'name: Acme → AcmeHR',
        'description: changed',
        'costCenter.description: changed',
        'costCenter.required: false → true',
        'costCenter.mutability: readWrite → immutable',
        'costCenter.returned: default → always',
        'link.referenceTypes: User → User, Group',
      ],
    });
  });
});

describe('storedValuePaths', () => {
  it('lists the removed attributes and the top-level attribute of each retyped path, once each, in the earlier spelling', () => {
    const change = compareExtensionDefinitions(
      schema(
        attribute('badge'),
        attribute('level', { canonicalValues: ['a', 'b'] }),
        address(attribute('code'), attribute('street')),
        attribute('costCenter'),
      ),
      schema(
        attribute('LEVEL', { type: 'integer' }),
        attribute('Address', { type: 'complex', subAttributes: [attribute('code', { multiValued: true })] }),
        attribute('costCenter', { returned: 'always' }),
        attribute('newOne'),
      ),
    );
    expect(storedValuePaths(change)).toEqual(['badge', 'level', 'address']);
  });

  it('lists nothing when only additions and other changes are made', () => {
    const change = compareExtensionDefinitions(
      schema(attribute('costCenter')),
      schema(attribute('costCenter', { description: 'x' }), attribute('level')),
    );
    expect(storedValuePaths(change)).toEqual([]);
  });
});
