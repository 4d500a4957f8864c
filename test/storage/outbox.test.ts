import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, createDatabase, inTransaction, sqlOf, type Database } from '../../src/storage/db.js';
import { OutboxStore, type EventToAppend } from '../../src/storage/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let db: Database;
const outbox = new OutboxStore();

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url, 24);
  await sqlOf(db).execute(`INSERT INTO tenants (id, name) VALUES ('one', 'One'), ('two', 'Two'), ('race', 'Race')`);
});
afterAll(async () => {
  await closeDatabase(db);
  await database.drop();
});

const event = (overrides: Partial<EventToAppend> = {}): EventToAppend => ({
  id: randomUUID(),
  type: 'user.updated',
  resourceType: 'User',
  resourceId: randomUUID(),
  externalId: undefined,
  data: { userName: 'ada@example.com', active: true },
  changedAttributes: ['title'],
  ...overrides,
});

describe('the transactional outbox', () => {
  it("numbers a tenant's events from 1 without gaps, apart from other tenants', keeping every field", async () => {
    const first = [event({ externalId: 'okta-1', type: 'user.created', changedAttributes: [] }), event()];
    const stored = await inTransaction(db, (tx) => outbox.append(tx, 'one', first));
    expect(stored.map((e) => e.sequence)).toEqual([1, 2]);
    expect((await inTransaction(db, (tx) => outbox.append(tx, 'two', [event()])))[0]?.sequence).toBe(1);
    expect((await inTransaction(db, (tx) => outbox.append(tx, 'one', [event()])))[0]?.sequence).toBe(3);

    const read = await outbox.after(sqlOf(db), 'one', 0, 10);
    expect(read.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(read[0]).toMatchObject({ ...first[0], tenantId: 'one', sequence: 1 });
    expect(read[1]).toMatchObject({ ...first[1], tenantId: 'one', sequence: 2 });
    expect(read[0]?.occurredAt).toBeInstanceOf(Date);
    expect(await outbox.after(sqlOf(db), 'one', 2, 10)).toHaveLength(1);
  });

  it('writes nothing, and leaves no gap, when the transaction rolls back', async () => {
    const before = await outbox.after(sqlOf(db), 'two', 0, 100);
    await expect(
      inTransaction(db, async (tx) => {
        await outbox.append(tx, 'two', [event(), event()]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await outbox.after(sqlOf(db), 'two', 0, 100)).toEqual(before);
    const next = await inTransaction(db, (tx) => outbox.append(tx, 'two', [event()]));
    expect(next[0]?.sequence).toBe(before.length + 1);
  });

  it('prunes events past the retention, and only those', async () => {
    await sqlOf(db).execute(`INSERT INTO tenants (id, name) VALUES ('old', 'Old')`);
    const stored = await inTransaction(db, (tx) => outbox.append(tx, 'old', [event(), event(), event()]));
    // Backdate the first two: one just past 30 days, one well past.
    await sqlOf(db).execute(
      `UPDATE outbox_events SET occurred_at = now() - $2 * interval '1 day' WHERE tenant_id = 'old' AND sequence = $1`,
      stored[0]?.sequence,
      31,
    );
    await sqlOf(db).execute(
      `UPDATE outbox_events SET occurred_at = now() - $2 * interval '1 day' WHERE tenant_id = 'old' AND sequence = $1`,
      stored[1]?.sequence,
      400,
    );
    expect(await outbox.prune(sqlOf(db), 30, 1)).toBe(2);
    expect((await outbox.after(sqlOf(db), 'old', 0, 10)).map((e) => e.sequence)).toEqual([3]);
    expect(await outbox.prune(sqlOf(db), 30)).toBe(0);
  });

  it('never lets a reader that follows the sequence miss an event committing late, under 20 writers', async () => {
    const appended = new Set<string>();
    let writing = true;
    const writer = async () => {
      for (let i = 0; i < 15; i += 1) {
        await inTransaction(db, async (tx) => {
          const events = Array.from({ length: randomInt(1, 4) }, () => event());
          await outbox.append(tx, 'race', events);
          // Commit late, while other writers go on: the hazard docs/events.md names.
          await sleep(randomInt(0, 6));
          for (const e of events) appended.add(e.id);
        });
      }
    };
    const seen: { id: string; sequence: number }[] = [];
    const reader = async () => {
      let cursor = 0;
      for (;;) {
        const stillWriting = writing;
        const page = await outbox.after(sqlOf(db), 'race', cursor, 50);
        for (const e of page) {
          // Whatever the reader sees continues its sequence exactly: nothing below it is still to come.
          expect(e.sequence).toBe(cursor + 1);
          cursor = e.sequence;
          seen.push({ id: e.id, sequence: e.sequence });
        }
        if (page.length === 0) {
          if (!stillWriting) return;
          await sleep(1);
        }
      }
    };
    const reading = reader();
    await Promise.all(Array.from({ length: 20 }, writer));
    writing = false;
    await reading;
    expect(seen.length).toBe(appended.size);
    expect(new Set(seen.map((e) => e.id))).toEqual(appended);
  });
});
