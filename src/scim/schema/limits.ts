import type { AttributeDefinition } from './types.js';

/**
 * How long a value may be, decided once: validation enforces these limits (resource/validate.ts),
 * /Schemas states each attribute's limit in its description (discovery/resources.ts), and
 * docs/scim.md lists them. RFC 7643 §7 gives attribute definitions no length characteristic, so
 * the description is the one place SCIM lets a service advertise one; a value over its limit is
 * "400 invalidValue" (RFC 7644 §3.12), like any other value the service cannot accept.
 *
 * Lengths are counted in UTF-16 code units (String.length, as JavaScript and Java count them): a
 * character outside the Basic Multilingual Plane counts as two. Counting them costs nothing
 * where every value is already checked, and bounds the UTF-8 bytes stored: at most 3 per unit.
 */

/**
 * Identifiers: the values PostgreSQL keeps in B-tree indexes (userName, externalId and a Group's
 * displayName, prisma/migrations/20261123000000_foundation), and the values that name a resource
 * or an address (members.value, manager.value, emails.value). A B-tree entry holds at most 2704
 * bytes, and a longer one fails the write; 512 units at even 4 bytes each (the unique index is on
 * lower(user_name), and case folding may lengthen a character) leave room for the tenant id
 * beside them. Real identifiers are far shorter: an email address is at most 254 characters
 * (RFC 5321 §4.5.3.1 and errata 1690), UUIDs 36.
 */
export const IDENTIFIER_MAX_LENGTH = 512;

/**
 * Every other value whose JSON form is a string (string, reference, binary, dateTime): the longest
 * values SCIM carries are URLs (photos, $ref) and base64 certificates (x509Certificates, a few
 * KiB), well inside 16 KiB.
 */
export const TEXT_MAX_LENGTH = 16_384;

/**
 * A whole resource as stored, serialized as JSON: the size of the largest request body (1 MiB),
 * so that PATCH, which adds to what is stored, cannot grow a resource past what a PUT could send.
 */
export const RESOURCE_MAX_LENGTH = 1_048_576;

/** The longest value the attribute accepts, for the types whose JSON form is a string. */
export function maxLengthOf(definition: AttributeDefinition): number | undefined {
  switch (definition.type) {
    case 'string':
    case 'reference':
    case 'binary':
    case 'dateTime':
      return definition.maxLength ?? TEXT_MAX_LENGTH;
    default:
      return undefined;
  }
}

/**
 * The sentence /Schemas appends to an attribute's description. Read-only attributes get none:
 * the service writes them, and what a client sends for them is ignored (RFC 7643 §7).
 */
export function maxLengthNote(definition: AttributeDefinition): string | undefined {
  const max = maxLengthOf(definition);
  if (max === undefined || definition.mutability === 'readOnly') return undefined;
  return `Limit of this service: at most ${max} characters (UTF-16 code units).`;
}
