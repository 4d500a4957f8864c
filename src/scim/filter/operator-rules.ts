import { ScimError } from '../errors.js';
import type { AttributeType } from '../schema/types.js';
import type { CompareOperator, CompareValue } from './ast.js';

const ORDERING: ReadonlySet<CompareOperator> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOperator> = new Set(['co', 'sw', 'ew']);

/**
 * Which comparisons each attribute type admits (RFC 7644 §3.4.2.2), decided once for the
 * in-memory evaluator (PATCH value filters) and the SQL compiler (list filters), so that a filter
 * the one accepts the other accepts too.
 *
 * - Boolean and binary attributes admit no ordering: the RFC says so for gt, ge, lt and le.
 * - Substrings (co, sw, ew) apply to text: strings, references and binary (base64 text). A number
 *   has no substring, and a dateTime is an instant, not the text it was written as: the service
 *   normalizes it (to UTC), so a substring of what a client sent would match unpredictably.
 * - null compares with eq and ne only: it means unassigned (RFC 7643 §2.5).
 * - The value must have the attribute's JSON type; a dateTime is a quoted xsd:dateTime.
 *
 * Throws 400 invalidFilter naming `where` and what is allowed instead.
 */
export function checkComparison(
  type: AttributeType,
  operator: CompareOperator,
  value: CompareValue,
  where: string,
): void {
  const fail = (detail: string): never => {
    throw new ScimError(400, 'invalidFilter', detail);
  };
  if (value === null) {
    if (operator !== 'eq' && operator !== 'ne')
      fail(`"${where} ${operator} null": null can only be compared with eq or ne.`);
    return;
  }
  switch (type) {
    case 'complex':
      return fail(`"${where}" is complex: compare one of its sub-attributes.`);
    case 'boolean':
      if (operator !== 'eq' && operator !== 'ne')
        fail(`"${where}" is boolean: "${operator}" does not apply; use eq or ne (RFC 7644 §3.4.2.2).`);
      if (typeof value !== 'boolean') fail(`"${where}" is boolean: compare it with true or false.`);
      return;
    case 'binary':
      if (ORDERING.has(operator))
        fail(`"${where}" is binary: "${operator}" does not apply; use eq, ne, co, sw or ew (RFC 7644 §3.4.2.2).`);
      if (typeof value !== 'string') fail(`"${where}" is binary: compare it with a quoted base64 value.`);
      return;
    case 'integer':
    case 'decimal':
      if (SUBSTRING.has(operator))
        fail(`"${where}" is a number: "${operator}" does not apply; use eq, ne, gt, ge, lt or le.`);
      if (typeof value !== 'number') fail(`"${where}" is a number: compare it with a number.`);
      return;
    case 'dateTime':
      if (SUBSTRING.has(operator))
        fail(`"${where}" is a dateTime: "${operator}" does not apply; use eq, ne, gt, ge, lt or le.`);
      if (typeof value !== 'string') fail(`"${where}" is a dateTime: compare it with a quoted date.`);
      return;
    case 'string':
    case 'reference':
      if (typeof value !== 'string') fail(`"${where}" is a string: compare it with a quoted value.`);
      return;
  }
}

export function isSubstringOperator(operator: CompareOperator): boolean {
  return SUBSTRING.has(operator);
}
