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

/**
 * A statement that adds group members found one that is not a User or Group of the tenant
 * (`kind` undefined), or not of the type the request said (`kind` is what it is): nothing was
 * written (scim_member_refused(), member-store.ts).
 */
export class MemberRefused extends Error {
  override name = 'MemberRefused';
  constructor(
    readonly memberId: string,
    readonly kind: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`member ${memberId} refused`, options);
  }
}

/**
 * The database could not be reached, or ended the session: it is restarting, failing over, out
 * of connections, or the network between us broke. A statement in flight may or may not have
 * committed (only a lost COMMIT leaves that open), and the request may be retried once the
 * database answers again; the pool reconnects by itself.
 */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

const UNIQUE = '23505';
const SCHEMA_CHANGED = 'SC001';
const MEMBER_REFUSED = 'SC002';
const RETRYABLE = new Set(['40001', '40P01']);
const CANCELED = '57014';
// 57P01–57P03: shutting down, crashed, not yet accepting connections; 53300: too many connections;
// 25006: a standby (read-only) answered a write, as one does before its promotion completes.
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
// What Node's sockets and pg report without a SQLSTATE when the server is gone or unreachable.
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// Prisma's codes for the same (can't reach, timed out, closed), and its driver adapter's kinds.
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
const ADAPTER_UNAVAILABLE = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const LOST_CONNECTION =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

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
  if (code === MEMBER_REFUSED) {
    const { message, detail } = error as { message?: unknown; detail?: unknown };
    const kind = typeof detail === 'string' && detail !== '' ? detail : undefined;
    return new MemberRefused(typeof message === 'string' ? message : '', kind, { cause: error });
  }
  if (unavailable(error, code)) return new DatabaseUnavailable('database unavailable', { cause: error });
  return error;
}

function unavailable(error: unknown, code: string | undefined): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const kind = (error.meta as { driverAdapterError?: { cause?: { kind?: unknown } } } | undefined)?.driverAdapterError
      ?.cause?.kind;
    if (PRISMA_UNAVAILABLE.has(error.code) || (typeof kind === 'string' && ADAPTER_UNAVAILABLE.has(kind))) return true;
  }
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  // Class 08: connection exceptions.
  if (code !== undefined && (code.startsWith('08') || UNAVAILABLE.has(code) || NETWORK.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  if (LOST_CONNECTION.test(message)) return true;
  // Prisma wraps the driver's error; its cause is what pg threw.
  const cause = error instanceof Error ? error.cause : undefined;
  return cause !== undefined && cause !== error && unavailable(cause, postgresCode(cause));
}
