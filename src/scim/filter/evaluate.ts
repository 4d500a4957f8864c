import { ScimError } from '../errors.js';
import { normalizeDateTime } from '../resource/date-time.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import { resolveSubAttribute, type PathErrorType } from '../schema/resolve.js';
import type { AttributeDefinition } from '../schema/types.js';
import type { AttributePath, CompareOperator, CompareValue, Filter } from './ast.js';
import { checkComparison } from './operator-rules.js';

/** A value filter checked against its attribute once, ready to test elements. */
export type ElementPredicate = (element: JsonObject) => boolean;

/**
 * Evaluates a value filter (the part inside `[...]`, RFC 7644 §3.4.2.2 valFilter) against ONE
 * element of a multi-valued attribute held in memory, as PATCH paths such as
 * `emails[type eq "work"]` need (§3.5.2). Names inside the brackets are sub-attributes of
 * `parent`; an unknown one, or a comparison the attribute's type does not support, is a 400
 * invalidFilter (§3.4.2.2, §3.12).
 */
export function matchesFilter(
  type: ResourceTypeDefinition,
  parent: AttributeDefinition,
  element: JsonObject,
  filter: Filter,
): boolean {
  return compileValueFilter(type, parent, filter, 'invalidFilter')(element);
}

/**
 * Checks every name and comparison in `filter` against `parent` up front, so that a bad filter
 * fails even when there is no element to test, and returns the predicate. `unknownName` is the
 * scimType for a name `parent` lacks: a PATCH path reports it as invalidPath (§3.12).
 */
export function compileValueFilter(
  type: ResourceTypeDefinition,
  parent: AttributeDefinition,
  filter: Filter,
  unknownName: PathErrorType,
): ElementPredicate {
  const compile = (node: Filter): ElementPredicate => {
    switch (node.kind) {
      case 'compare': {
        const sub = subAttribute(type, parent, node.path, unknownName);
        const test = comparison(sub, node.operator, node.value);
        return (element) => test(lookup(element, sub.name));
      }
      case 'present': {
        const sub = subAttribute(type, parent, node.path, unknownName);
        return (element) => isPresent(lookup(element, sub.name));
      }
      case 'and': {
        const left = compile(node.left);
        const right = compile(node.right);
        return (element) => left(element) && right(element);
      }
      case 'or': {
        const left = compile(node.left);
        const right = compile(node.right);
        return (element) => left(element) || right(element);
      }
      case 'not': {
        const inner = compile(node.filter);
        return (element) => !inner(element);
      }
      case 'valuePath':
        // valFilter admits no valuePath (§3.4.2.2 Figure 1): sub-attributes are never complex.
        throw new ScimError(
          400,
          'invalidFilter',
          `a value filter on ${parent.name} cannot contain another value filter.`,
        );
    }
  };
  return compile(filter);
}

/**
 * The definition a name inside `parent[...]` refers to. A simple multi-valued attribute has no
 * sub-attributes; its elements are addressed as "value" (RFC 7644 §3.5.2.2, "a complex filter is
 * specified comparing a 'value'"), so that name stands for the element itself.
 */
function subAttribute(
  type: ResourceTypeDefinition,
  parent: AttributeDefinition,
  path: AttributePath,
  unknownName: PathErrorType,
): AttributeDefinition {
  if (path.schema !== undefined || path.subAttribute !== undefined) {
    throw new ScimError(
      400,
      unknownName,
      `inside ${parent.name}[...] names are sub-attributes of ${parent.name} of ${type.name} resources, without schema or further sub-attribute.`,
    );
  }
  if (parent.type !== 'complex') {
    if (path.attribute.toLowerCase() === 'value') return { ...parent, name: 'value', multiValued: false };
    throw new ScimError(400, unknownName, `${parent.name} of ${type.name} resources has only "value" to filter on.`);
  }
  return resolveSubAttribute(parent, path.attribute, unknownName);
}

/** Elements written by clients may not use canonical spelling yet; names are case-insensitive (RFC 7643 §2.1). */
function lookup(element: JsonObject, name: string): JsonValue | undefined {
  if (name in element) return element[name];
  const lower = name.toLowerCase();
  const key = Object.keys(element).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : element[key];
}

/** "pr": a non-empty value, or a non-empty node for complex attributes (RFC 7644 §3.4.2.2). */
function isPresent(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isJsonObject(value)) return Object.values(value).some(isPresent);
  return true;
}

type Test = (actual: JsonValue | undefined) => boolean;
type Ordering = (actual: JsonValue) => number | undefined;

/**
 * One attribute-operator-value comparison (RFC 7644 §3.4.2.2), admitted by the rules the SQL
 * compiler applies too (operator-rules.ts): strings compare case-insensitively unless caseExact,
 * dateTimes as instants, numbers numerically. A multi-valued sub-attribute matches if any of its
 * values does; "ne" is the negation of "eq", so an unassigned attribute is "ne" anything.
 */
function comparison(sub: AttributeDefinition, operator: CompareOperator, value: CompareValue): Test {
  checkComparison(sub.type, operator, value, sub.name);
  if (operator === 'ne') {
    const equal = comparison(sub, 'eq', value);
    return (actual) => !equal(actual);
  }
  // RFC 7643 §2.5: null is equivalent to unassigned, so "eq null" asks for absence.
  if (value === null) return (actual) => !isPresent(actual);
  const single = singleComparison(sub, operator, value);
  return (actual) => {
    if (actual === undefined || actual === null) return false;
    return Array.isArray(actual) ? actual.some(single) : single(actual);
  };
}

/** A comparison checkComparison admitted, so the value has the attribute's JSON type. */
function singleComparison(
  sub: AttributeDefinition,
  operator: Exclude<CompareOperator, 'ne'>,
  value: string | number | boolean,
): (actual: JsonValue) => boolean {
  switch (sub.type) {
    case 'integer':
    case 'decimal':
      return ordered(operator, (actual) =>
        typeof actual === 'number' && typeof value === 'number' ? actual - value : undefined,
      );
    case 'dateTime': {
      const instant = typeof value === 'string' ? instantOf(value) : undefined;
      if (instant === undefined) {
        throw new ScimError(
          400,
          'invalidFilter',
          `"${sub.name}": ${JSON.stringify(value)} is not an xsd:dateTime such as 2011-05-13T04:42:34Z.`,
        );
      }
      return ordered(operator, (actual) => {
        const other = typeof actual === 'string' ? instantOf(actual) : undefined;
        return other === undefined ? undefined : other - instant;
      });
    }
    case 'string':
    case 'reference':
    case 'binary':
      return textual(sub, operator, String(value));
    case 'boolean':
    case 'complex':
      return (actual) => actual === value;
  }
}

function instantOf(text: string): number | undefined {
  const normalized = normalizeDateTime(text);
  return normalized === undefined ? undefined : Date.parse(normalized);
}

/** String comparison; "gt"/"lt" are lexicographical (§3.4.2.2), by UTF-16 code units so results are stable. */
function textual(
  sub: AttributeDefinition,
  operator: Exclude<CompareOperator, 'ne'>,
  value: string,
): (actual: JsonValue) => boolean {
  const fold = (text: string) => (sub.caseExact ? text : text.toLowerCase());
  const wanted = fold(value);
  const test = (text: string): boolean => {
    switch (operator) {
      case 'co':
        return text.includes(wanted);
      case 'sw':
        return text.startsWith(wanted);
      case 'ew':
        return text.endsWith(wanted);
      default:
        return holds(operator, text === wanted ? 0 : text < wanted ? -1 : 1);
    }
  };
  return (actual) => typeof actual === 'string' && test(fold(actual));
}

function ordered(operator: Exclude<CompareOperator, 'ne'>, difference: Ordering): (actual: JsonValue) => boolean {
  return (actual) => {
    const d = difference(actual);
    return d !== undefined && holds(operator, d);
  };
}

function holds(operator: Exclude<CompareOperator, 'ne'>, difference: number): boolean {
  switch (operator) {
    case 'eq':
      return difference === 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    case 'co':
    case 'sw':
    case 'ew':
      return false;
  }
}
