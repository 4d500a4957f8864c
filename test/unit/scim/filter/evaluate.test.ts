import { describe, expect, it } from 'vitest';

import { ScimError } from '../../../../src/scim/errors.js';
import { matchesFilter } from '../../../../src/scim/filter/evaluate.js';
import { parseFilter, parsePatchPath } from '../../../../src/scim/filter/parse.js';
import type { JsonObject } from '../../../../src/scim/resource/json.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';
import type { AttributeDefinition } from '../../../../src/scim/schema/types.js';

function attribute(type: typeof USER_RESOURCE_TYPE, name: string): AttributeDefinition {
  const found = type.schema.attributes.find((a) => a.name === name);
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
}

const EMAILS = attribute(USER_RESOURCE_TYPE, 'emails');
const MEMBERS = attribute(GROUP_RESOURCE_TYPE, 'members');

const sub = (name: string, type: AttributeDefinition['type'], caseExact = false): AttributeDefinition => ({
  name,
  type,
  multiValued: false,
  description: name,
  required: false,
  caseExact,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
});

/** A multi-valued complex attribute with one sub-attribute of each type the core schemas lack. */
const READINGS: AttributeDefinition = {
  ...sub('readings', 'complex'),
  multiValued: true,
  subAttributes: [
    sub('count', 'integer'),
    sub('ratio', 'decimal'),
    sub('taken', 'dateTime'),
    sub('blob', 'binary', true),
  ],
};

const email = { value: 'Bjensen@Example.com', type: 'work', primary: true };
const emailMatches = (filter: string, element: JsonObject = email) =>
  matchesFilter(USER_RESOURCE_TYPE, EMAILS, element, parseFilter(filter));
const readingMatches = (filter: string, element: JsonObject) =>
  matchesFilter(USER_RESOURCE_TYPE, READINGS, element, parseFilter(filter));

function filterError(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error.scimType;
    throw error;
  }
  return undefined;
}

describe('value filters on one element (RFC 7644 §3.4.2.2, for PATCH paths §3.5.2)', () => {
  it.each([
    ['type eq "work"', true],
    ['type eq "WORK"', true],
    ['TYPE eq "work"', true],
    ['type ne "work"', false],
    ['type ne "home"', true],
    ['value co "example"', true],
    ['value sw "BJENSEN@"', true],
    ['value ew ".COM"', true],
    ['value ew ".org"', false],
    ['value gt "a"', true],
    ['value lt "a"', false],
    ['value ge "bjensen@example.com"', true],
    ['value le "bjensen@example.com"', true],
    ['display pr', false],
    ['value pr', true],
    ['type eq "work" and value co "example"', true],
    ['type eq "home" or value co "example"', true],
    ['not (type eq "work")', false],
    ['primary eq true', true],
    ['primary ne false', true],
    ['display eq null', true],
    ['value ne null', true],
    ['display ne "x"', true],
  ])('%s → %s, with strings case-insensitive unless caseExact', (filter, expected) => {
    expect(emailMatches(filter)).toBe(expected);
  });

  it('compares caseExact sub-attributes exactly (members.$ref)', () => {
    const member = { value: 'abc', $ref: 'https://example.com/v2/Users/abc' };
    // "$ref" is no ATTRNAME, so only a path's brackets admit it: take the filter from a PATCH path.
    const matches = (filter: string) => {
      const { filter: parsed } = parsePatchPath(`members[${filter}]`);
      if (parsed === undefined) throw new Error('no filter');
      return matchesFilter(GROUP_RESOURCE_TYPE, MEMBERS, member, parsed);
    };
    expect(matches('$ref eq "https://example.com/v2/Users/abc"')).toBe(true);
    expect(matches('$ref eq "https://example.com/v2/Users/ABC"')).toBe(false);
    expect(matches('value eq "ABC"')).toBe(true);
  });

  it('compares numbers numerically', () => {
    const reading = { count: 10, ratio: 0.5 };
    expect(readingMatches('count gt 9', reading)).toBe(true);
    expect(readingMatches('count gt 10', reading)).toBe(false);
    expect(readingMatches('count ge 10', reading)).toBe(true);
    expect(readingMatches('ratio lt 1', reading)).toBe(true);
    expect(readingMatches('ratio eq 0.50', reading)).toBe(true);
  });

  it('compares dateTimes as instants, whatever their zone (RFC 7643 §2.3.5)', () => {
    const reading = { taken: '2015-03-01T10:00:00+01:00' };
    expect(readingMatches('taken eq "2015-03-01T09:00:00Z"', reading)).toBe(true);
    expect(readingMatches('taken gt "2015-03-01T08:59:59.999Z"', reading)).toBe(true);
    expect(readingMatches('taken lt "2015-03-01T09:00:00Z"', reading)).toBe(false);
  });

  it('matches nothing when the element holds a value of another type', () => {
    expect(readingMatches('count eq 10', { count: '10' })).toBe(false);
    expect(emailMatches('primary eq true', { primary: 'true' })).toBe(false);
  });

  it('rejects comparisons the type does not support with invalidFilter', () => {
    expect(filterError(() => emailMatches('primary gt true'))).toBe('invalidFilter');
    expect(filterError(() => emailMatches('primary co "t"'))).toBe('invalidFilter');
    expect(filterError(() => emailMatches('primary eq "true"'))).toBe('invalidFilter');
    expect(filterError(() => emailMatches('value eq 5'))).toBe('invalidFilter');
    expect(filterError(() => emailMatches('value gt null'))).toBe('invalidFilter');
    expect(filterError(() => readingMatches('count co 1', {}))).toBe('invalidFilter');
    expect(filterError(() => readingMatches('taken gt "yesterday"', {}))).toBe('invalidFilter');
    expect(filterError(() => readingMatches('blob gt "AAAA"', {}))).toBe('invalidFilter');
  });

  it('rejects an unknown sub-attribute with invalidFilter', () => {
    expect(filterError(() => emailMatches('kind eq "work"'))).toBe('invalidFilter');
  });
});
