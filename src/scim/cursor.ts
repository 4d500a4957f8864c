import { createHash } from 'node:crypto';
import { ScimError } from './errors.js';
import { isUuid } from './resource/ids.js';

/** Where a page ended in creation order: the keyset the next page starts after. */
export interface CursorPosition {
  readonly createdAt: string;
  readonly id: string;
  /**
   * totalResults as the first page counted it, carried to the pages after it: counting a tenant
   * of a million users on every page of an export cost more than the page (issue 13). Absent in
   * cursors issued before it was carried; such a page counts again.
   */
  readonly total?: number;
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
  const fields: unknown[] = [position.createdAt, position.id, fingerprint];
  if (position.total !== undefined) fields.push(position.total);
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length < 3 || parsed.length > 4) throw invalid();
  const [createdAt, id, issuedFor, total] = parsed as unknown[];
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || typeof id !== 'string' || !isUuid(id))
    throw invalid();
  if (total !== undefined && !(typeof total === 'number' && Number.isSafeInteger(total) && total >= 0)) throw invalid();
  if (issuedFor !== fingerprint) {
    throw new ScimError(
      400,
      'invalidCursor',
      'This cursor was issued for a different filter or sort order (RFC 9865).',
    );
  }
  return total === undefined ? { createdAt, id } : { createdAt, id, total };
}

function invalid(): ScimError {
  return new ScimError(400, 'invalidCursor', 'The cursor is not one this service issued (RFC 9865).');
}
