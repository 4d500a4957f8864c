import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/scim/filter/parse.js';
import { USER_RESOURCE_TYPE } from '../../../src/scim/schema/built-in-types.js';
import { compileFilter } from '../../../src/storage/filter-sql.js';
import { SqlParams } from '../../../src/storage/sql-params.js';

const compile = (filter: string, options = {}) => {
  const params = new SqlParams();
  return { sql: compileFilter(USER_RESOURCE_TYPE, parseFilter(filter), params, options), params: params.values };
};

describe('filter → SQL (no database)', () => {
  it('binds every value as a parameter, never in the SQL text', () => {
    const { sql, params } = compile(`title eq "x'); DROP TABLE scim_users; --" or userName co "%_\\\\"`);
    expect(sql).not.toContain('DROP');
    expect(params).toContain(JSON.stringify({ title: "x'); drop table scim_users; --" }));
    expect(params).toContain('%\\%\\_\\\\%');
  });

  it('turns equality on the shadow into GIN containment, case-folded unless caseExact', () => {
    expect(compile('name.givenName eq "Ada"')).toEqual({
      sql: '(r.search @> $1::jsonb)',
      params: ['{"name":{"givenname":"ada"}}'],
    });
    expect(compile('emails[type eq "work" and value eq "A@x"]').params).toEqual([
      '{"emails":[{"type":"work","value":"a@x"}]}',
    ]);
  });

  it('uses the indexed columns for userName, externalId and id', () => {
    expect(compile('userName eq "Ada"').sql).toBe('(lower(r.user_name) = lower($1))');
    expect(compile('externalId eq "E1"').sql).toBe('(r.external_id = $1)');
    expect(compile('id eq "2819c223-7f76-453a-919d-413861904646"').sql).toBe('(r.id = $1::uuid)');
  });

  it('keeps not() false for rows where the attribute is missing', () => {
    expect(compile('not (title sw "a")').sql).toMatch(/^\(NOT coalesce\(/);
  });

  it('treats attributes another type lacks as unassigned only when asked to (root search)', () => {
    expect(() => compile('displayName eq "x" and members pr')).toThrow();
    expect(compile('members pr', { unknownAsUnassigned: true }).sql).toBe('false');
    expect(compile('members eq null', { unknownAsUnassigned: true }).sql).toBe('true');
  });
});
