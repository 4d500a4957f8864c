import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../../src/scim/errors.js';
import type {
  AttributePath,
  CompareOperator,
  CompareValue,
  Filter,
  PatchPath,
} from '../../../../src/scim/filter/ast.js';
import { formatFilter, formatPatchPath } from '../../../../src/scim/filter/format.js';
import { parseFilter, parsePatchPath } from '../../../../src/scim/filter/parse.js';
import { isStorableText } from '../../../../src/scim/resource/storable-text.js';

const SCHEMAS = [
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:core:2.0:User',
];

/** ATTRNAME = ALPHA *(nameChar) (RFC 7643 §2.1); keywords such as "and" or "pr" included on purpose. */
const attributeName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/),
  fc.constantFrom('and', 'or', 'not', 'pr', 'eq', 'true', 'null', 'userName', 'emails'),
);
const subAttributeName = fc.oneof(attributeName, fc.constantFrom('$ref', '$Ref'));

function withOptional(attribute: string, schema: string | null, subAttribute: string | null): AttributePath {
  return {
    ...(schema === null ? {} : { schema }),
    attribute,
    ...(subAttribute === null ? {} : { subAttribute }),
  };
}

const absolutePath: fc.Arbitrary<AttributePath> = fc
  .tuple(attributeName, fc.option(fc.constantFrom(...SCHEMAS)), fc.option(subAttributeName))
  .map(([attribute, schema, sub]) => withOptional(attribute, schema, sub));

/** Inside brackets a path is one relative name (RFC 7644 §3.4.2.2 valuePath). */
const relativePath: fc.Arbitrary<AttributePath> = subAttributeName.map((attribute) => ({ attribute }));

/** The multi-valued attribute in front of a bracket: no sub-attribute (RFC 7643 §2.3.8). */
const bracketedPath: fc.Arbitrary<AttributePath> = fc
  .tuple(attributeName, fc.option(fc.constantFrom(...SCHEMAS)))
  .map(([attribute, schema]) => withOptional(attribute, schema, null));

const operator = fc.constantFrom<CompareOperator>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');

// Values a client can actually store: NUL and unpaired surrogates are refused by the lexer
// (see the invalid fixtures), so they are no part of the round trip.
const value: fc.Arbitrary<CompareValue> = fc
  .oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc
      .array(
        fc.constantFrom(
          '"',
          '\\',
          '/',
          '\b',
          '\f',
          '\n',
          '\r',
          '\t',
          '\u0000',
          '\u001f',
          '\u2028',
          '\ud83d',
          'é',
          ' ',
          'a',
        ),
      )
      .map((chars) => chars.join('')),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  )
  .filter((v) => typeof v !== 'string' || isStorableText(v));

/** Filters up to depth 4 over `path`; `bracket` adds valuePath nodes (never nested, per valFilter). */
function filters(path: fc.Arbitrary<AttributePath>, bracket?: fc.Arbitrary<Filter>): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => {
    const self = tie('filter');
    const leaves: fc.Arbitrary<Filter>[] = [
      fc.record({ kind: fc.constant('compare' as const), path, operator, value }),
      fc.record({ kind: fc.constant('present' as const), path }),
    ];
    if (bracket !== undefined) {
      leaves.push(fc.record({ kind: fc.constant('valuePath' as const), path: bracketedPath, filter: bracket }));
    }
    return {
      filter: fc.oneof(
        { maxDepth: 4, depthSize: 'small' },
        ...leaves,
        fc.record({ kind: fc.constant('and' as const), left: self, right: self }),
        fc.record({ kind: fc.constant('or' as const), left: self, right: self }),
        fc.record({ kind: fc.constant('not' as const), filter: self }),
      ),
    };
  }).filter;
}

const valueFilter = filters(relativePath);
const filter = filters(absolutePath, valueFilter);

/** Strings that look like filters, so the fuzzing reaches past the first token. */
const filterLike = fc
  .array(
    fc.constantFrom(
      '(',
      ')',
      '[',
      ']',
      '.',
      '"',
      '\\',
      ' ',
      ':',
      'not',
      'and',
      'or',
      'pr',
      'eq',
      'EQ',
      'emails',
      'type',
      'urn:a:b:c',
      '1',
      '-',
      'e',
      '0.5',
      'true',
      'null',
      '$ref',
      '"x"',
      '\\u00',
      '\t',
      '\u0001',
      '\ud800',
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

function parsesOrThrowsScimError(text: string): void {
  try {
    parseFilter(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    const detail = error instanceof ScimError ? error.detail : '';
    const position = /^Invalid filter at position (\d+): ./.exec(detail)?.[1];
    expect(position).toBeDefined();
    expect(Number(position)).toBeLessThanOrEqual(text.length);
  }
}

describe('filter round trip (RFC 7644 §3.4.2.2)', () => {
  it('parses the canonical text of any filter back to the same tree', () => {
    fc.assert(
      fc.property(filter, (ast) => {
        expect(parseFilter(formatFilter(ast))).toEqual(ast);
      }),
      { numRuns: 1000 },
    );
  });

  it('parses the canonical text of any PATCH path back to the same path (RFC 7644 §3.5.2)', () => {
    const patchPath: fc.Arbitrary<PatchPath> = fc.oneof(
      absolutePath.map((path) => ({ path })),
      fc
        .tuple(bracketedPath, valueFilter, fc.option(subAttributeName))
        .map(([path, inner, sub]) =>
          sub === null ? { path, filter: inner } : { path, filter: inner, subAttribute: sub },
        ),
    );
    fc.assert(
      fc.property(patchPath, (path) => {
        expect(parsePatchPath(formatPatchPath(path))).toEqual(path);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseFilter on arbitrary input (RFC 7644 §3.12: a bad filter is a 400, never a crash)', () => {
  it('returns a filter or throws ScimError with a position, for any string', () => {
    fc.assert(fc.property(fc.string(), parsesOrThrowsScimError), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: 'binary' }), parsesOrThrowsScimError), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), parsesOrThrowsScimError), { numRuns: 500 });
  });

  it('returns a filter or throws ScimError with a position, for filter-like token soup', () => {
    fc.assert(fc.property(filterLike, parsesOrThrowsScimError), { numRuns: 3000 });
  });
});
