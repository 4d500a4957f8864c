import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { sqlOf } from '../../src/storage/db.js';
import type { TestApp } from './app.js';
import { expectScimError } from './scim.js';

/**
 * A megabyte of text: under the 1 MiB request body limit with the JSON around it, so the
 * request reaches validation instead of a 413.
 */
export const MEGABYTE = 'x'.repeat(1_000_000);

/**
 * `length` characters of three UTF-8 bytes each (CJK ideographs, all different): the most bytes
 * a UTF-16 code unit takes, for values that must still fit PostgreSQL's 2704-byte B-tree entries.
 */
export function threeByteText(length: number, seed = 0): string {
  return Array.from({ length }, (_, i) => String.fromCharCode(0x4e00 + ((seed * 997 + i * 7919) % 20_000))).join('');
}

/** RFC 7644 §3.12: 400 invalidValue, naming the attribute and its limit. */
export function expectTooLong(res: LightMyRequestResponse, path: string, max: number): void {
  const body = expectScimError(res, 400, 'invalidValue');
  expect(body['detail']).toContain(`"${path}"`);
  expect(body['detail']).toContain(`at most ${max}`);
}

/** What the tenant has stored: its users, groups and change events. */
export async function storedCounts(t: TestApp, tenantId: string): Promise<Record<string, number>> {
  const [row] = await sqlOf(t.deps.db).rows<{ users: string; groups: string; events: string }[]>(
    `SELECT (SELECT count(*) FROM scim_users WHERE tenant_id = $1) AS users,
            (SELECT count(*) FROM scim_groups WHERE tenant_id = $1) AS groups,
            (SELECT count(*) FROM outbox_events WHERE tenant_id = $1) AS events`,
    tenantId,
  );
  return { users: Number(row?.users), groups: Number(row?.groups), events: Number(row?.events) };
}
