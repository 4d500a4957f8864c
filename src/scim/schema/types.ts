/**
 * Attribute and schema definitions, shaped as RFC 7643 §7 describes them, so that the
 * registry can serve them on /Schemas unchanged and validation, filtering and projection
 * read their characteristics from the same values.
 */
export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';

export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  /** RFC 7643 §7: only for type "reference", e.g. ["User", "Group"], ["external"], ["uri"]. */
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
  /**
   * Not an RFC 7643 §7 characteristic: this service's longest accepted value, for identifiers
   * that must stay shorter than other strings (see limits.ts, which /Schemas states it from).
   */
  readonly maxLength?: number;
  /**
   * Not an RFC 7643 §7 characteristic: an attribute of an extension the tenant never declared,
   * accepted as sent (open-extensions.ts); it holds one JSON scalar of any type.
   */
  readonly undeclared?: true;
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}
