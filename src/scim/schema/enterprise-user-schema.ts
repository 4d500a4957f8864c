import { IDENTIFIER_MAX_LENGTH } from './limits.js';
import type { SchemaDefinition } from './types.js';

/**
 * The Enterprise User extension, RFC 7643 §4.3, in the representation of RFC 7643 §8.7.1.
 *
 * Characteristics and description strings are those of §8.7.1; omitted characteristics
 * take the §2.2 defaults. Deviations from §8.7.1 are marked "Deviation".
 *
 * manager.value and manager.$ref: the §8.7.1 descriptions end in "REQUIRED." while their
 * "required" characteristic is false, and the §4.3 prose calls both "RECOMMENDED". The
 * characteristic (false) is kept: it agrees with §4.3, and "manager" itself is optional.
 */
export const enterpriseUserSchema: SchemaDefinition = {
  id: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    {
      name: 'employeeNumber',
      type: 'string',
      multiValued: false,
      description:
        'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    },
    {
      name: 'costCenter',
      type: 'string',
      multiValued: false,
      description: 'Identifies the name of a cost center.',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    },
    {
      name: 'organization',
      type: 'string',
      multiValued: false,
      description: 'Identifies the name of an organization.',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    },
    {
      name: 'division',
      type: 'string',
      multiValued: false,
      description: 'Identifies the name of a division.',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    },
    {
      name: 'department',
      type: 'string',
      multiValued: false,
      description: 'Identifies the name of a department.',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    },
    {
      name: 'manager',
      type: 'complex',
      multiValued: false,
      description:
        "The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
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
          description: "The id of the SCIM resource representing the User's manager.  REQUIRED.",
          required: false,
          // Verified errata 8472: §8.7.1 printed false; the value is an "id", which is
          // case exact (§3.1).
          caseExact: true,
          mutability: 'readWrite',
          returned: 'default',
          uniqueness: 'none',
          maxLength: IDENTIFIER_MAX_LENGTH,
        },
        {
          name: '$ref',
          type: 'reference',
          multiValued: false,
          description: "The URI of the SCIM resource representing the User's manager.  REQUIRED.",
          required: false,
          // Deviation: §8.7.1 says false; §2.3.7 says "A reference is case exact" (errata 6001).
          caseExact: true,
          mutability: 'readWrite',
          returned: 'default',
          uniqueness: 'none',
          referenceTypes: ['User'],
        },
        {
          name: 'displayName',
          type: 'string',
          multiValued: false,
          description: "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
          required: false,
          caseExact: false,
          mutability: 'readOnly',
          returned: 'default',
          uniqueness: 'none',
        },
      ],
    },
  ],
};
