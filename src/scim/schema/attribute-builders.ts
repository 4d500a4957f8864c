import type { AttributeDefinition } from './types.js';

/**
 * An attribute with RFC 7643 §2.2's defaults (a single readWrite string, not required, not
 * case-exact, returned by default, not unique) and what differs from them: for schemas written
 * here from a draft's prose rather than copied from an RFC's JSON (agent-schema.ts).
 */
export function attribute(
  name: string,
  description: string,
  differs: Partial<AttributeDefinition> = {},
): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...differs,
  };
}

/** A multi-valued complex attribute of these sub-attributes (RFC 7643 §2.3.8). */
export function complexList(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  differs: Partial<AttributeDefinition> = {},
): AttributeDefinition {
  return attribute(name, description, { type: 'complex', multiValued: true, subAttributes, ...differs });
}
