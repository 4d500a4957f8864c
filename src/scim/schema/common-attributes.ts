import { IDENTIFIER_MAX_LENGTH } from './limits.js';
import type { AttributeDefinition } from './types.js';

/**
 * The common attributes of RFC 7643 §3.1: part of every resource, but of no schema, so
 * /Schemas does not list them; validation, filtering and projection read them from here.
 *
 * RFC 7643 gives no JSON representation of these; the characteristics are the ones the
 * §3.1 prose states, the rest are §2.2 defaults, and descriptions are sentences of §3.1
 * (the ones that describe the value, without the characteristics and cross-references).
 */
export const commonAttributes: readonly AttributeDefinition[] = [
  {
    name: 'id',
    type: 'string',
    multiValued: false,
    description:
      'A unique identifier for a SCIM resource as defined by the service provider.  Each representation of the resource MUST include a non-empty "id" value.  This identifier MUST be unique across the SCIM service provider\'s entire set of resources.  It MUST be a stable, non-reassignable identifier that does not change when the same resource is returned in subsequent requests.  The value of the "id" attribute is always issued by the service provider and MUST NOT be specified by the client.  The string "bulkId" is a reserved keyword and MUST NOT be used within any unique identifier value.',
    // Every representation has an "id", but the client never supplies it (readOnly), and
    // "required" is what a client must send (RFC 7644 §3.3, §3.5.1); hence false.
    required: false,
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  },
  {
    name: 'externalId',
    type: 'string',
    multiValued: false,
    description:
      "A String that is an identifier for the resource as defined by the provisioning client.  The service provider MUST always interpret the externalId as scoped to the provisioning domain.  While the server does not enforce uniqueness, it is assumed that the value's uniqueness is controlled by the client setting the value.",
    required: false,
    caseExact: true,
    mutability: 'readWrite',
    returned: 'default',
    // "the server does not enforce uniqueness" (§3.1).
    uniqueness: 'none',
    maxLength: IDENTIFIER_MAX_LENGTH,
  },
  {
    name: 'meta',
    type: 'complex',
    multiValued: false,
    description:
      'A complex attribute containing resource metadata.  All "meta" sub-attributes are assigned by the service provider (have a "mutability" of "readOnly"), and all of these sub-attributes have a "returned" characteristic of "default".  This attribute SHALL be ignored when provided by clients.',
    required: false,
    caseExact: false,
    mutability: 'readOnly',
    returned: 'default',
    uniqueness: 'none',
    subAttributes: [
      {
        name: 'resourceType',
        type: 'string',
        multiValued: false,
        description: 'The name of the resource type of the resource.',
        required: false,
        caseExact: true,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
      },
      {
        name: 'created',
        type: 'dateTime',
        multiValued: false,
        description: 'The "DateTime" that the resource was added to the service provider.',
        required: false,
        caseExact: false,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
      },
      {
        name: 'lastModified',
        type: 'dateTime',
        multiValued: false,
        description:
          'The most recent DateTime that the details of this resource were updated at the service provider.  If this resource has never been modified since its initial creation, the value MUST be the same as the value of "created".',
        required: false,
        caseExact: false,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
      },
      {
        name: 'location',
        type: 'reference',
        multiValued: false,
        description:
          'The URI of the resource being returned.  This value MUST be the same as the "Content-Location" HTTP response header (see Section 3.1.4.2 of [RFC7231]).',
        required: false,
        // §2.3.7: "A reference is case exact."
        caseExact: true,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
        referenceTypes: ['uri'],
      },
      {
        name: 'version',
        type: 'string',
        multiValued: false,
        description:
          'The version of the resource being returned.  This value must be the same as the entity-tag (ETag) HTTP response header (see Sections 2.1 and 2.3 of [RFC7232]).',
        required: false,
        caseExact: true,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
      },
    ],
  },
];
