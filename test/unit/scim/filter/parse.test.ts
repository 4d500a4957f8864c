import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../../src/scim/errors.js';
import type { Filter } from '../../../../src/scim/filter/ast.js';
import { formatFilter, formatPatchPath } from '../../../../src/scim/filter/format.js';
import { parseFilter, parsePatchPath } from '../../../../src/scim/filter/parse.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function fixture(name: string): string[] {
  const text = readFileSync(new URL(`../../../fixtures/filters/${name}`, import.meta.url), 'utf8');
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** The ScimError a call throws, or a failure when it throws something else or nothing. */
function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but nothing was thrown');
}

const eq = (attribute: string, value: string, subAttribute?: string): Filter => ({
  kind: 'compare',
  path: subAttribute === undefined ? { attribute } : { attribute, subAttribute },
  operator: 'eq',
  value,
});

describe('filter examples of RFC 7644 §3.4.2.2', () => {
  const examples: [string, Filter][] = [
    ['userName eq "bjensen"', eq('userName', 'bjensen')],
    [
      'name.familyName co "O\'Malley"',
      { kind: 'compare', path: { attribute: 'name', subAttribute: 'familyName' }, operator: 'co', value: "O'Malley" },
    ],
    ['userName sw "J"', { kind: 'compare', path: { attribute: 'userName' }, operator: 'sw', value: 'J' }],
    [
      'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
      { kind: 'compare', path: { schema: CORE_USER, attribute: 'userName' }, operator: 'sw', value: 'J' },
    ],
    ['title pr', { kind: 'present', path: { attribute: 'title' } }],
    ...(['gt', 'ge', 'lt', 'le'] as const).map((operator): [string, Filter] => [
      `meta.lastModified ${operator} "2011-05-13T04:42:34Z"`,
      {
        kind: 'compare',
        path: { attribute: 'meta', subAttribute: 'lastModified' },
        operator,
        value: '2011-05-13T04:42:34Z',
      },
    ]),
    [
      'title pr and userType eq "Employee"',
      { kind: 'and', left: { kind: 'present', path: { attribute: 'title' } }, right: eq('userType', 'Employee') },
    ],
    [
      'title pr or userType eq "Intern"',
      { kind: 'or', left: { kind: 'present', path: { attribute: 'title' } }, right: eq('userType', 'Intern') },
    ],
    [
      `schemas eq "${ENTERPRISE}"`,
      { kind: 'compare', path: { attribute: 'schemas' }, operator: 'eq', value: ENTERPRISE },
    ],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      {
        kind: 'and',
        left: eq('userType', 'Employee'),
        right: {
          kind: 'or',
          left: { kind: 'compare', path: { attribute: 'emails' }, operator: 'co', value: 'example.com' },
          right: {
            kind: 'compare',
            path: { attribute: 'emails', subAttribute: 'value' },
            operator: 'co',
            value: 'example.org',
          },
        },
      },
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      {
        kind: 'and',
        left: { kind: 'compare', path: { attribute: 'userType' }, operator: 'ne', value: 'Employee' },
        right: {
          kind: 'not',
          filter: {
            kind: 'or',
            left: { kind: 'compare', path: { attribute: 'emails' }, operator: 'co', value: 'example.com' },
            right: {
              kind: 'compare',
              path: { attribute: 'emails', subAttribute: 'value' },
              operator: 'co',
              value: 'example.org',
            },
          },
        },
      },
    ],
    [
      'userType eq "Employee" and (emails.type eq "work")',
      { kind: 'and', left: eq('userType', 'Employee'), right: eq('emails', 'work', 'type') },
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      {
        kind: 'and',
        left: eq('userType', 'Employee'),
        right: {
          kind: 'valuePath',
          path: { attribute: 'emails' },
          filter: {
            kind: 'and',
            left: eq('type', 'work'),
            right: { kind: 'compare', path: { attribute: 'value' }, operator: 'co', value: '@example.com' },
          },
        },
      },
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      {
        kind: 'or',
        left: {
          kind: 'valuePath',
          path: { attribute: 'emails' },
          filter: {
            kind: 'and',
            left: eq('type', 'work'),
            right: { kind: 'compare', path: { attribute: 'value' }, operator: 'co', value: '@example.com' },
          },
        },
        right: {
          kind: 'valuePath',
          path: { attribute: 'ims' },
          filter: {
            kind: 'and',
            left: eq('type', 'xmpp'),
            right: { kind: 'compare', path: { attribute: 'value' }, operator: 'co', value: '@foo.com' },
          },
        },
      },
    ],
  ];

  it.each(examples)('parses %s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it('accepts the examples as the RFC prints them, wrapped over lines', () => {
    expect(parseFilter('userType eq "Employee" and emails[type eq "work" and\n  value co "@example.com"]')).toEqual(
      parseFilter('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]'),
    );
  });
});

describe('attribute notation (RFC 7644 §3.10, RFC 7643 §2.1)', () => {
  it('splits a schema URN at its last ":" though the URN itself contains ":" and "."', () => {
    expect(parseFilter(`${CORE_USER}:name.familyName co "O'Malley"`)).toEqual({
      kind: 'compare',
      path: { schema: CORE_USER, attribute: 'name', subAttribute: 'familyName' },
      operator: 'co',
      value: "O'Malley",
    });
    expect(parseFilter(`${ENTERPRISE}:manager.value eq "26118915"`)).toEqual({
      kind: 'compare',
      path: { schema: ENTERPRISE, attribute: 'manager', subAttribute: 'value' },
      operator: 'eq',
      value: '26118915',
    });
  });

  it('keeps the spelling of attribute names for case-insensitive resolution later', () => {
    expect(parseFilter('Username eq "john"')).toEqual(eq('Username', 'john'));
  });

  it('accepts "-", "_" and digits after the first letter, and "$ref" as a sub-attribute', () => {
    expect(parseFilter('x-a_1 pr')).toEqual({ kind: 'present', path: { attribute: 'x-a_1' } });
    expect(parseFilter('members.$ref pr')).toEqual({
      kind: 'present',
      path: { attribute: 'members', subAttribute: '$ref' },
    });
    expect(parseFilter('members[$ref eq "u"]')).toEqual({
      kind: 'valuePath',
      path: { attribute: 'members' },
      filter: eq('$ref', 'u'),
    });
  });

  it('reads keywords as attribute names where an attribute name is expected', () => {
    expect(parseFilter('not pr')).toEqual({ kind: 'present', path: { attribute: 'not' } });
    expect(parseFilter('and eq "x" or pr pr')).toEqual({
      kind: 'or',
      left: eq('and', 'x'),
      right: { kind: 'present', path: { attribute: 'pr' } },
    });
    expect(parseFilter('not[eq eq 1]')).toEqual({
      kind: 'valuePath',
      path: { attribute: 'not' },
      filter: { kind: 'compare', path: { attribute: 'eq' }, operator: 'eq', value: 1 },
    });
  });
});

describe('operator precedence and case (RFC 7644 §3.4.2.2)', () => {
  const a = eq('a', 'x');
  const b = eq('b', 'x');
  const c = eq('c', 'x');

  it('binds "and" tighter than "or", on either side', () => {
    expect(parseFilter('a eq "x" or b eq "x" and c eq "x"')).toEqual({
      kind: 'or',
      left: a,
      right: { kind: 'and', left: b, right: c },
    });
    expect(parseFilter('a eq "x" and b eq "x" or c eq "x"')).toEqual({
      kind: 'or',
      left: { kind: 'and', left: a, right: b },
      right: c,
    });
  });

  it('lets parentheses override precedence', () => {
    expect(parseFilter('(a eq "x" or b eq "x") and c eq "x"')).toEqual({
      kind: 'and',
      left: { kind: 'or', left: a, right: b },
      right: c,
    });
  });

  it('associates "and" and "or" to the left', () => {
    expect(parseFilter('a eq "x" or b eq "x" or c eq "x"')).toEqual({
      kind: 'or',
      left: { kind: 'or', left: a, right: b },
      right: c,
    });
  });

  it('binds "not" to its parenthesised filter only', () => {
    expect(parseFilter('not (a eq "x") and b eq "x"')).toEqual({
      kind: 'and',
      left: { kind: 'not', filter: a },
      right: b,
    });
  });

  it('accepts "not(" without a space (the ABNF has none; RFC errata 7319)', () => {
    expect(parseFilter('not(a eq "x")')).toEqual({ kind: 'not', filter: a });
  });

  it('reads operators, logical keywords and literals in any case (RFC 5234 §2.3)', () => {
    expect(parseFilter('userName Eq "john"')).toEqual(eq('userName', 'john'));
    expect(parseFilter('NOT (a EQ "x") AND b eQ "x" OR c eq "x"')).toEqual(
      parseFilter('not (a eq "x") and b eq "x" or c eq "x"'),
    );
    expect(parseFilter('title PR')).toEqual({ kind: 'present', path: { attribute: 'title' } });
    expect(parseFilter('active eq TRUE or active eq False or manager eq NULL')).toEqual({
      kind: 'or',
      left: {
        kind: 'or',
        left: { kind: 'compare', path: { attribute: 'active' }, operator: 'eq', value: true },
        right: { kind: 'compare', path: { attribute: 'active' }, operator: 'eq', value: false },
      },
      right: { kind: 'compare', path: { attribute: 'manager' }, operator: 'eq', value: null },
    });
  });

  it('parses every operator of the §3.4.2.2 table', () => {
    for (const operator of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const) {
      expect(parseFilter(`a ${operator} 1`)).toEqual({ kind: 'compare', path: { attribute: 'a' }, operator, value: 1 });
    }
  });
});

describe('comparison values are JSON (RFC 7644 §3.4.2.2, RFC 8259)', () => {
  const valueOf = (text: string): unknown => {
    const filter = parseFilter(`x eq ${text}`);
    return filter.kind === 'compare' ? filter.value : undefined;
  };

  it('decodes every string escape, including \\u surrogate pairs', () => {
    expect(valueOf(String.raw`"q\" b\\ s\/ \b\f\n\r\t \u00e9 \uD83D\uDE00"`)).toBe('q" b\\ s/ \b\f\n\r\t é 😀');
    expect(valueOf('"日本語 ☃"')).toBe('日本語 ☃');
    expect(valueOf('""')).toBe('');
  });

  it('reads integers, decimals, negatives and exponents', () => {
    expect(valueOf('0')).toBe(0);
    expect(valueOf('42')).toBe(42);
    expect(valueOf('-7')).toBe(-7);
    expect(valueOf('-0')).toBe(-0);
    expect(valueOf('3.25')).toBe(3.25);
    expect(valueOf('1e3')).toBe(1000);
    expect(valueOf('1E+3')).toBe(1000);
    expect(valueOf('-2.5e-2')).toBe(-0.025);
  });

  it('reads true, false and null', () => {
    expect(valueOf('true')).toBe(true);
    expect(valueOf('false')).toBe(false);
    expect(valueOf('null')).toBe(null);
  });
});

describe('PATCH paths (RFC 7644 §3.5.2)', () => {
  it.each([
    ['members', { path: { attribute: 'members' } }],
    ['name.familyName', { path: { attribute: 'name', subAttribute: 'familyName' } }],
    ['addresses[type eq "work"]', { path: { attribute: 'addresses' }, filter: eq('type', 'work') }],
    ['emails[type eq "work"]', { path: { attribute: 'emails' }, filter: eq('type', 'work') }],
    [
      'emails[type eq "work"].value',
      { path: { attribute: 'emails' }, filter: eq('type', 'work'), subAttribute: 'value' },
    ],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      { path: { attribute: 'members' }, filter: eq('value', '2819c223-7f76-453a-919d-413861904646') },
    ],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName',
      {
        path: { attribute: 'members' },
        filter: eq('value', '2819c223-7f76-453a-919d-413861904646'),
        subAttribute: 'displayName',
      },
    ],
    [
      'emails[type eq "work" and value ew "example.com"]',
      {
        path: { attribute: 'emails' },
        filter: {
          kind: 'and',
          left: eq('type', 'work'),
          right: { kind: 'compare', path: { attribute: 'value' }, operator: 'ew', value: 'example.com' },
        },
      },
    ],
    [`${ENTERPRISE}:manager`, { path: { schema: ENTERPRISE, attribute: 'manager' } }],
    [`${ENTERPRISE}:manager.value`, { path: { schema: ENTERPRISE, attribute: 'manager', subAttribute: 'value' } }],
    [`${CORE_USER}:name.givenName`, { path: { schema: CORE_USER, attribute: 'name', subAttribute: 'givenName' } }],
  ])('parses %s', (text, expected) => {
    expect(parsePatchPath(text)).toEqual(expected);
    expect(formatPatchPath(parsePatchPath(text))).toBe(text);
  });

  it('reads a bare extension URN as the whole extension object when the URN is a known schema', () => {
    const path = parsePatchPath(ENTERPRISE, { schemaUrns: [CORE_USER, ENTERPRISE] });
    expect(path).toEqual({ path: { schema: ENTERPRISE, attribute: '' } });
    expect(formatPatchPath(path)).toBe(ENTERPRISE);
    expect(parsePatchPath(ENTERPRISE.toUpperCase(), { schemaUrns: [ENTERPRISE] })).toEqual({
      path: { schema: ENTERPRISE.toUpperCase(), attribute: '' },
    });
  });

  it('reads a bare URN by the attrPath rule when the schema is not known (only the registry can tell)', () => {
    expect(parsePatchPath(ENTERPRISE)).toEqual({
      path: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attribute: 'User' },
    });
  });

  it.each([
    ['', 0, 'the path is empty'],
    ['members[value eq "x"', 20, 'to close the "[" at position 7'],
    ['members]', 7, 'no matching "["'],
    ['members eq "x"', 8, 'cannot be a comparison'],
    ['emails[type eq "work"].', 23, 'expected a sub-attribute name'],
    ['emails[type eq "work"].value.display', 28, 'takes at most one sub-attribute'],
    ['emails[type eq "work"] or ims[type eq "xmpp"]', 23, 'expected the end of the path'],
    ['name.givenName[value eq "x"]', 14, 'not to the sub-attribute'],
    ['emails[type[value eq "x"] pr]', 11, 'cannot be nested'],
    [`${ENTERPRISE}[value eq "x"]`, 58, 'names a whole extension'],
    ['urn:x: pr', 6, 'expected an attribute name after "urn:x:"'],
  ])('rejects %j as invalidPath at position %i', (text, position, fragment) => {
    const error = scimErrorOf(() => parsePatchPath(text, { schemaUrns: [ENTERPRISE] }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain(`Invalid path at position ${position}: `);
    expect(error.detail).toContain(fragment);
  });
});

describe('invalid filters are rejected with 400 invalidFilter and a position (RFC 7644 §3.4.2.2, §3.12)', () => {
  it.each([
    ['', 0, 'the filter is empty'],
    ['   ', 0, 'the filter is empty'],
    ['userName', 8, 'expected a comparison operator'],
    [
      'userName equals "john"',
      9,
      'expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "userName", found "equals"',
    ],
    ['userName eq', 11, 'expected a value after "eq"'],
    ['userName eq john', 12, 'text must be in double quotes, e.g. "john"'],
    ['userName eq bob@example.com', 12, 'found "bob@example.com"'],
    ['title pr "x"', 9, '"pr" (present) takes no value'],
    ['title pr false', 9, '"pr" (present) takes no value'],
    ['userName eq "john', 12, 'unterminated string'],
    ['userName eq "jo\\xhn"', 15, 'invalid escape "\\\\x"'],
    ['userName eq "\\u12"', 13, 'four hex digits'],
    ['userName eq "a\tb"', 14, 'control character U+0009'],
    ['(userName eq "john"', 19, 'to close the "(" at position 0'],
    ['userName eq "john")', 18, 'unbalanced parentheses'],
    ['emails[type eq "work"', 21, 'to close the "[" at position 6'],
    ['emails[type eq "work"]]', 22, 'unbalanced brackets'],
    ['emails[type[value eq 1] pr]', 11, 'value filters cannot be nested'],
    ['emails[type eq "work"].value eq "x"', 22, 'allowed in PATCH paths'],
    ['emails[urn:a:b:type eq "w"]', 7, 'a schema URI is not allowed there'],
    ['emails[type.value eq "w"]', 7, 'a sub-attribute has no sub-attributes'],
    ['name.givenName[value eq "x"]', 14, 'not to the sub-attribute'],
    ['not userName eq "john"', 4, '"not" must be followed by a filter in parentheses'],
    ['userName eq "john" and', 22, 'found the end of the filter'],
    ['userName eq "john" title pr', 19, 'expected "and", "or" or the end of the filter, found "title"'],
    ['userName eq 012', 12, '"012" is not a valid number'],
    ['userName eq 1.', 14, 'expected a digit after the decimal point'],
    ['userName eq 1e', 14, 'expected a digit in the exponent'],
    ['userName eq -', 13, 'expected a digit after "-"'],
    ['userName eq 1e999', 12, 'out of range'],
    ['1userName eq "x"', 0, '"1userName" is not a valid number'],
    ['user@name eq "x"', 0, 'is not a valid attribute name'],
    ['name.givenName.first eq "x"', 14, 'more than one sub-attribute'],
    ['name. eq "x"', 5, 'expected a sub-attribute name after "name."'],
    ["userName eq 'john'", 12, 'text must be in double quotes, e.g. "john"'],
    [
      'title pr "a long value that goes on and on and on and on"',
      9,
      'found "a long value that goes on and on and on…"',
    ],
    ['or title pr', 0, 'expected an attribute name, "not (" or "(", found "or"'],
    [':userName eq "x"', 0, 'expected a schema URI before ":"'],
    [`${CORE_USER}: eq "x"`, 43, 'expected an attribute name after'],
    ['urn::userName eq "x"', 0, 'is not a valid schema URI prefix'],
    ['$ref eq "x"', 0, 'is not a valid attribute name'],
    ['emails[]', 7, 'expected an attribute name, "not (" or "(", found "]"'],
    ['()', 1, 'found ")"'],
    ['userName eq "x" and not', 23, '"not" must be followed by a filter in parentheses'],
  ])('rejects %j at position %i', (text, position, fragment) => {
    const error = scimErrorOf(() => parseFilter(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toBe(error.message);
    expect(error.detail).toContain(`Invalid filter at position ${position}: `);
    expect(error.detail).toContain(fragment);
  });

  it('rejects a filter longer than 10,000 characters', () => {
    const long = `userName eq "${'a'.repeat(10_000)}"`;
    expect(scimErrorOf(() => parseFilter(long)).detail).toContain('longer than 10000 characters');
    expect(() => parseFilter(`userName eq "${'a'.repeat(9_985)}"`)).not.toThrow();
  });

  it('rejects nesting deeper than 50 levels, counting parentheses, "not (" and brackets', () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}title pr${')'.repeat(depth)}`;
    expect(() => parseFilter(nested(50))).not.toThrow();
    const error = scimErrorOf(() => parseFilter(nested(51)));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain('Invalid filter at position 50: nesting is deeper than 50 levels');
    const nots = `${'not ('.repeat(49)}emails[type pr]${')'.repeat(49)}`;
    expect(() => parseFilter(nots)).not.toThrow();
    expect(() => parseFilter(`not (${nots})`)).toThrow(ScimError);
  });

  it('parses long flat chains without deep recursion', () => {
    const chain = Array.from({ length: 700 }, (_, i) => `a${i} pr`).join(' and ');
    expect(formatFilter(parseFilter(chain))).toBe(chain);
  });
});

describe('filter fixtures (test/fixtures/filters)', () => {
  it.each(fixture('valid.txt'))('parses %j', (text) => {
    const filter = parseFilter(text);
    expect(parseFilter(formatFilter(filter))).toEqual(filter);
  });

  it.each(fixture('invalid.txt'))('rejects %j with invalidFilter', (text) => {
    const error = scimErrorOf(() => parseFilter(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toMatch(/^Invalid filter at position \d+: /);
  });
});

describe('formatFilter', () => {
  it('writes canonical text: lower-case keywords, single spaces, parentheses only where needed', () => {
    expect(formatFilter(parseFilter('NOT ( a EQ "x" )  AND (b pr OR c pr)'))).toBe('not (a eq "x") and (b pr or c pr)');
    expect(formatFilter(parseFilter('a pr or (b pr or c pr)'))).toBe('a pr or (b pr or c pr)');
    expect(formatFilter(parseFilter('(a pr or b pr) or c pr'))).toBe('a pr or b pr or c pr');
    expect(formatFilter(parseFilter('a pr and (b pr and c pr)'))).toBe('a pr and (b pr and c pr)');
    expect(formatFilter(parseFilter(`${ENTERPRISE}:manager.value eq "a\\"b"`))).toBe(
      `${ENTERPRISE}:manager.value eq "a\\"b"`,
    );
  });
});
