import { createHash } from 'node:crypto';
import { ScimError } from './errors.js';
import { isUuid } from './resource/ids.js';

/** Where a page ended in creation order: the keyset the next page starts after. */
export interface CursorPosition {
  readonly createdAt: string;
  readonly id: string;
}

/**
 * Binds a cursor to the query it was issued for, so a cursor replayed with another filter or
 * order is refused instead of silently paging a different result.
 */
export function queryFingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 16);
}

/**
 * RFC 9865 cursors are opaque to clients. Ours is the keyset of the last resource returned, so
 * a cursor never expires and every resource that exists throughout an export is returned once.
 */
export function encodeCursor(position: CursorPosition, fingerprint: string): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id, fingerprint])).toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [createdAt, id, issuedFor] = parsed as unknown[];
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || typeof id !== 'string' || !isUuid(id))
    throw invalid();
  if (issuedFor !== fingerprint) {
    throw new ScimError(
      400,
      'invalidCursor',
      'This cursor was issued for a different filter or sort order (RFC 9865).',
    );
  }
  return { createdAt, id };
}

function invalid(): ScimError {
  return new ScimError(400, 'invalidCursor', 'The cursor is not one this service issued (RFC 9865).');
}
