/**
 * The parsed form of a SCIM filter (RFC 7644 §3.4.2.2) and of a PATCH path (§3.5.2), before
 * any schema is consulted. Attribute names keep the spelling the client used; resolution against
 * the schema registry (case-insensitive, RFC 7643 §2.1) happens in a later step.
 */
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** compValue = false / null / true / number / string (RFC 7644 §3.4.2.2, ABNF in Figure 1). */
export type CompareValue = string | number | boolean | null;

/** attrPath = [URI ":"] ATTRNAME *1subAttr */
export interface AttributePath {
  /** The schema URN prefix, e.g. "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User". */
  readonly schema?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export type Filter =
  | {
      readonly kind: 'compare';
      readonly path: AttributePath;
      readonly operator: CompareOperator;
      readonly value: CompareValue;
    }
  | { readonly kind: 'present'; readonly path: AttributePath }
  | { readonly kind: 'and'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  /** valuePath = attrPath "[" valFilter "]": paths inside `filter` are relative to `path`. */
  | { readonly kind: 'valuePath'; readonly path: AttributePath; readonly filter: Filter };

/** PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2). */
export interface PatchPath {
  readonly path: AttributePath;
  /** Present for `emails[type eq "work"]` and `emails[type eq "work"].value`. */
  readonly filter?: Filter;
  /** The sub-attribute after a value filter: `.value` in `emails[type eq "work"].value`. */
  readonly subAttribute?: string;
}
