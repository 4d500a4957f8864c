import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  StatementCanceled,
  translateError,
  TransactionConflict,
  UniqueViolation,
} from '../../../src/storage/errors.js';

function databaseError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError('canceling statement due to statement timeout', 0, 'error');
  error.code = code;
  return error;
}

describe('translateError', () => {
  it('makes a statement canceled by statement_timeout (57014) a StatementCanceled, keeping the cause', () => {
    const cause = databaseError('57014');
    const translated = translateError(cause);
    expect(translated).toBeInstanceOf(StatementCanceled);
    expect((translated as StatementCanceled).cause).toBe(cause);
  });

  it('still translates unique violations and conflicts, and passes anything else through', () => {
    expect(translateError(databaseError('23505'))).toBeInstanceOf(UniqueViolation);
    expect(translateError(databaseError('40P01'))).toBeInstanceOf(TransactionConflict);
    const other = databaseError('42P01');
    expect(translateError(other)).toBe(other);
  });
});
