import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../../src/scim/cursor.js';

const QUERY = queryFingerprint(['User', 'userName sw "a"', 'ascending']);
const position = { createdAt: '2026-11-23T10:00:00.123Z', id: '2819c223-7f76-453a-919d-413861904646' };

describe('cursors (RFC 9865)', () => {
  it('round-trip the keyset for the query they were issued for', () => {
    const fingerprint = queryFingerprint(['User', 'userName sw "a"', 'ascending']);
    expect(decodeCursor(encodeCursor(position, fingerprint), fingerprint)).toEqual(position);
    const counted = { ...position, total: 1_000_000 };
    expect(decodeCursor(encodeCursor(counted, fingerprint), fingerprint)).toEqual(counted);
  });

  it.each([
    ['another query', encodeCursor(position, queryFingerprint(['User', '', 'ascending']))],
    ['garbage', 'not-a-cursor'],
    ['a forged id', Buffer.from(JSON.stringify([position.createdAt, "1' OR '1'='1", 'x'])).toString('base64url')],
    ['a forged time', Buffer.from(JSON.stringify(['yesterday', position.id, 'x'])).toString('base64url')],
    ['a forged total', Buffer.from(JSON.stringify([position.createdAt, position.id, QUERY, -1])).toString('base64url')],
  ])('refuse %s with 400 invalidCursor', (_label, cursor) => {
    const fingerprint = queryFingerprint(['User', 'userName sw "a"', 'ascending']);
    expect(() => decodeCursor(cursor, fingerprint)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidCursor' }) as Error,
    );
  });
});
