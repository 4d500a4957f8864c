import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../../src/scim/errors.js';
import type { CompareOperator } from '../../../../src/scim/filter/ast.js';
import { compileValueFilter } from '../../../../src/scim/filter/evaluate.js';
import { parseFilter } from '../../../../src/scim/filter/parse.js';
import { GROUP_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';
import type { ResourceTypeDefinition } from '../../../../src/scim/schema/registry.js';
import type { AttributeDefinition, AttributeType } from '../../../../src/scim/schema/types.js';
import { compileFilter } from '../../../../src/storage/filter-sql.js';
import { SqlParams } from '../../../../src/storage/sql-params.js';

// One decision of which comparisons each attribute type admits (issue 12): the SQL compiler
// (list filters) and the in-memory evaluator (PATCH value filters) must accept and refuse alike.

const sub = (name: string, type: AttributeType): AttributeDefinition => ({
  name,
  type,
  multiValued: false,
  description: '',
  required: false,
  caseExact: type === 'binary',
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
});

const TYPES: [AttributeType, string][] = [
  ['string', '"abc"'],
  ['reference', '"https://x.test/a"'],
  ['binary', '"YWJj"'],
  ['boolean', 'true'],
  ['integer', '3'],
  ['decimal', '1.5'],
  ['dateTime', '"2026-01-02T03:04:05Z"'],
];

const things: AttributeDefinition = {
  ...sub('things', 'complex'),
  multiValued: true,
  subAttributes: TYPES.map(([type]) => sub(type, type)),
};

const TYPE: ResourceTypeDefinition = {
  ...GROUP_RESOURCE_TYPE,
  id: 'Thing',
  name: 'Thing',
  endpoint: '/Things',
  schema: { id: 'urn:example:thing', name: 'Thing', description: '', attributes: [things] },
  schemaExtensions: [],
};

const OPERATORS: CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

function outcome(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof ScimError) return error.scimType ?? '';
    throw error;
  }
}

describe('RFC 7644 §3.4.2.2: the comparisons an attribute type admits, decided once', () => {
  const cases = TYPES.flatMap(([type, value]) => OPERATORS.map((op) => [type, op, value] as const));

  it.each(cases)('%s %s: the SQL compiler and the PATCH evaluator agree', (type, op, value) => {
    const inner = parseFilter(`${type} ${op} ${value}`);
    const inMemory = outcome(() => compileValueFilter(TYPE, things, inner, 'invalidFilter'));
    const inSql = outcome(() => compileFilter(TYPE, parseFilter(`things[${type} ${op} ${value}]`), new SqlParams()));
    expect(inSql).toBe(inMemory);
  });

  it.each([
    ['boolean', 'gt', 'true'],
    ['boolean', 'co', 'true'],
    ['binary', 'lt', '"YWJj"'],
    ['integer', 'co', '3'],
    ['dateTime', 'sw', '"2026"'],
    ['string', 'eq', '3'],
  ])('%s %s %s is 400 invalidFilter', (type, op, value) => {
    const inner = parseFilter(`${type} ${op} ${value}`);
    expect(outcome(() => compileValueFilter(TYPE, things, inner, 'invalidFilter'))).toBe('invalidFilter');
  });

  it.each([
    ['binary', 'sw', '"YW"'],
    ['dateTime', 'ge', '"2026-01-01T00:00:00Z"'],
    ['decimal', 'lt', '2'],
    ['reference', 'co', '"x.test"'],
  ])('%s %s %s is admitted', (type, op, value) => {
    const inner = parseFilter(`${type} ${op} ${value}`);
    expect(outcome(() => compileValueFilter(TYPE, things, inner, 'invalidFilter'))).toBe('accepted');
  });
});
