import { IDENTIFIER_MAX_LENGTH } from './limits.js';
import type { SchemaDefinition } from './types.js';

/**
 * The core Group schema, RFC 7643 §4.2, in the representation of RFC 7643 §8.7.1.
 *
 * Characteristics and description strings are those of §8.7.1; omitted characteristics
 * take the §2.2 defaults. Deviations from §8.7.1 are marked "Deviation".
 */
export const groupSchema: SchemaDefinition = {
  id: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  name: 'Group',
  description: 'Group',
  attributes: [
    {
      name: 'displayName',
      type: 'string',
      multiValued: false,
      description: 'A human-readable name for the Group. REQUIRED.',
      // §8.7.1 prints required false, but §4.2 and this very description say REQUIRED (verified errata 5368).
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      maxLength: IDENTIFIER_MAX_LENGTH,
    },
    {
      name: 'members',
      type: 'complex',
      multiValued: true,
      description: 'A list of members of the Group.',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      subAttributes: [
        {
          name: 'value',
          type: 'string',
          multiValued: false,
          description: 'Identifier of the member of this Group.',
          required: false,
          caseExact: false,
          mutability: 'immutable',
          returned: 'default',
          uniqueness: 'none',
          maxLength: IDENTIFIER_MAX_LENGTH,
        },
        {
          name: '$ref',
          type: 'reference',
          multiValued: false,
          description: 'The URI corresponding to a SCIM resource that is a member of this Group.',
          required: false,
          // Deviation: §8.7.1 says false; §2.3.7 says "A reference is case exact" (errata 6001).
          caseExact: true,
          mutability: 'immutable',
          returned: 'default',
          uniqueness: 'none',
          referenceTypes: ['User', 'Group'],
        },
        {
          name: 'type',
          type: 'string',
          multiValued: false,
          description: "A label indicating the type of resource, e.g., 'User' or 'Group'.",
          required: false,
          caseExact: false,
          mutability: 'immutable',
          returned: 'default',
          uniqueness: 'none',
          canonicalValues: ['User', 'Group'],
        },
        // Deviation: §8.7.1 lists no "display" here although the §8.4 example sends one
        // (errata 6011, reported). Mutability follows the RFC text, not the common
        // "readOnly" practice: §4.2 says "sub-attributes of members are 'immutable'" and
        // §2.4 defines "display" as immutable. Description is the §2.4 text.
        {
          name: 'display',
          type: 'string',
          multiValued: false,
          description:
            'A human-readable name, primarily used for display purposes and having a mutability of "immutable".',
          required: false,
          caseExact: false,
          mutability: 'immutable',
          returned: 'default',
          uniqueness: 'none',
        },
      ],
    },
  ],
};
