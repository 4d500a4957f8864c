import { Prisma } from '../generated/prisma/client.js';

/** A write broke a unique constraint: the caller decides what that means (409, retry, …). */
export class UniqueViolation extends Error {
  override name = 'UniqueViolation';
}

/** The transaction lost a serialization or deadlock race and may simply be retried. */
export class TransactionConflict extends Error {
  override name = 'TransactionConflict';
}

/**
 * The database canceled a statement (SQLSTATE 57014, query_canceled): it ran past the
 * connection's statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS), or an operator canceled it with
 * pg_cancel_backend(). Either way the statement's work is undone and the request may be retried.
 */
export class StatementCanceled extends Error {
  override name = 'StatementCanceled';
}

/**
 * A write validated against the tenant's extensions as they were before a change to them: its
 * statement (or transaction) was undone whole, and the request may be sent again (issue 12, the
 * schema fence: prisma/migrations/20261207040000_schema_fence).
 */
export class SchemaChanged extends Error {
  override name = 'SchemaChanged';
}

const UNIQUE = '23505';
const SCHEMA_CHANGED = 'SC001';
const RETRYABLE = new Set(['40001', '40P01']);
const CANCELED = '57014';

/** The SQLSTATE of a database error, however the driver or Prisma wrapped it. */
export function postgresCode(error: unknown): string | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === 'P2002') return UNIQUE;
    if (error.code === 'P2034') return '40001';
    const meta = error.meta as
      { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } } | undefined;
    const code = meta?.driverAdapterError?.cause?.originalCode ?? meta?.code;
    return typeof code === 'string' ? code : undefined;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Translates Postgres errors storage callers act on; everything else passes through unchanged. */
export function translateError(error: unknown): unknown {
  const code = postgresCode(error);
  if (code === UNIQUE) return new UniqueViolation('unique constraint violated', { cause: error });
  if (code !== undefined && RETRYABLE.has(code))
    return new TransactionConflict('transaction conflict', { cause: error });
  if (code === CANCELED) return new StatementCanceled('statement canceled', { cause: error });
  if (code === SCHEMA_CHANGED) return new SchemaChanged('schemas changed', { cause: error });
  return error;
}
