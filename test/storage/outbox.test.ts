import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, createDatabase, inTransaction, sqlOf, type Database } from '../../src/storage/db.js';
import { OutboxStore, type EventToAppend } from '../../src/storage/outbox.js';
import { EventSequencer } from '../../src/events/sequencer.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let db: Database;
const outbox = new OutboxStore();
const silent = createLogger('silent');

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

const numbered = (tenantId: string) => outbox.sequence(sqlOf(db), tenantId, 1_000);

describe('the transactional outbox', () => {
  it("numbers a tenant's committed events from 1 without gaps, apart from other tenants', keeping every field", async () => {
    const first = [event({ externalId: 'okta-1', type: 'user.created', changedAttributes: [] }), event()];
    await inTransaction(db, (tx) => outbox.append(tx, 'one', first));
    await inTransaction(db, (tx) => outbox.append(tx, 'two', [event()]));
    // Committed, but not numbered yet: no reader sees them.
    expect(await outbox.after(sqlOf(db), 'one', 0, 10)).toEqual([]);
    expect(await numbered('one')).toBe(2);
    expect(await numbered('two')).toBe(1);
    await inTransaction(db, (tx) => outbox.append(tx, 'one', [event()]));
    expect(await numbered('one')).toBe(1);
    expect(await numbered('one')).toBe(0);

    const read = await outbox.after(sqlOf(db), 'one', 0, 10);
    expect(read.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(read[0]).toMatchObject({ ...first[0], tenantId: 'one', sequence: 1 });
    expect(read[1]).toMatchObject({ ...first[1], tenantId: 'one', sequence: 2 });
    expect(read[0]?.occurredAt).toBeInstanceOf(Date);
    expect(await outbox.after(sqlOf(db), 'one', 2, 10)).toHaveLength(1);
    expect((await outbox.after(sqlOf(db), 'two', 0, 10)).map((e) => e.sequence)).toEqual([1]);
  });

  it('writes nothing, and leaves no gap, when the transaction rolls back', async () => {
    const before = await outbox.after(sqlOf(db), 'two', 0, 100);
    await expect(
      inTransaction(db, async (tx) => {
        await outbox.append(tx, 'two', [event(), event()]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await numbered('two')).toBe(0);
    expect(await outbox.after(sqlOf(db), 'two', 0, 100)).toEqual(before);
    await inTransaction(db, (tx) => outbox.append(tx, 'two', [event()]));
    await numbered('two');
    expect((await outbox.after(sqlOf(db), 'two', 0, 100)).at(-1)?.sequence).toBe(before.length + 1);
  });

  it('leaves a transaction still open unnumbered, and numbers it after those that committed before it', async () => {
    const early = event();
    const late = event();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let appended!: () => void;
    const inFlight = new Promise<void>((r) => {
      appended = r;
    });
    // The open transaction draws its position first.
    const open = inTransaction(db, async (tx) => {
      await outbox.append(tx, 'two', [early]);
      appended();
      await held;
    });
    await inFlight;
    await inTransaction(db, (tx) => outbox.append(tx, 'two', [late]));
    const last = (await outbox.after(sqlOf(db), 'two', 0, 100)).at(-1)?.sequence ?? 0;
    expect(await numbered('two')).toBe(1);
    release();
    await open;
    expect(await numbered('two')).toBe(1);
    expect((await outbox.after(sqlOf(db), 'two', last, 10)).map((e) => e.id)).toEqual([late.id, early.id]);
  });

  it("keeps a transaction's events consecutive even when a batch ends inside the ones waiting", async () => {
    await sqlOf(db).execute(`INSERT INTO tenants (id, name) VALUES ('whole', 'Whole')`);
    const big = Array.from({ length: 5 }, () => event());
    const small = [event()];
    await inTransaction(db, (tx) => outbox.append(tx, 'whole', big));
    await inTransaction(db, (tx) => outbox.append(tx, 'whole', small));
    // One transaction per statement: the first takes all five of its events.
    expect(await outbox.sequence(sqlOf(db), 'whole', 1)).toBe(5);
    expect(await outbox.sequence(sqlOf(db), 'whole', 1)).toBe(1);
    expect((await outbox.after(sqlOf(db), 'whole', 0, 10)).map((e) => e.id)).toEqual(
      [...big, ...small].map((e) => e.id),
    );
  });

  it('drops the waiting events of a tenant deleted before they were numbered', async () => {
    await sqlOf(db).execute(`INSERT INTO tenants (id, name) VALUES ('gone', 'Gone')`);
    await inTransaction(db, (tx) => outbox.append(tx, 'gone', [event(), event()]));
    await sqlOf(db).execute(`DELETE FROM tenants WHERE id = 'gone'`);
    expect(await outbox.pendingTenants(sqlOf(db))).toContain('gone');
    expect(await numbered('gone')).toBe(0);
    expect(await outbox.pendingTenants(sqlOf(db))).not.toContain('gone');
  });

  it('appends nothing for an unknown tenant', async () => {
    await inTransaction(db, (tx) => outbox.append(tx, 'nobody', [event()]));
    expect(await sqlOf(db).rows(`SELECT 1 FROM outbox_pending WHERE tenant_id = 'nobody'`)).toEqual([]);
  });

  it('prunes events past the retention, and only those', async () => {
    await sqlOf(db).execute(`INSERT INTO tenants (id, name) VALUES ('old', 'Old')`);
    await inTransaction(db, (tx) => outbox.append(tx, 'old', [event(), event(), event()]));
    await numbered('old');
    // Backdate the first two: one just past 30 days, one well past.
    await sqlOf(db).execute(
      `UPDATE outbox_events SET occurred_at = now() - $2 * interval '1 day' WHERE tenant_id = 'old' AND sequence = $1`,
      1,
      31,
    );
    await sqlOf(db).execute(
      `UPDATE outbox_events SET occurred_at = now() - $2 * interval '1 day' WHERE tenant_id = 'old' AND sequence = $1`,
      2,
      400,
    );
    expect(await outbox.prune(sqlOf(db), 30, 1)).toBe(2);
    expect((await outbox.after(sqlOf(db), 'old', 0, 10)).map((e) => e.sequence)).toEqual([3]);
    expect(await outbox.prune(sqlOf(db), 30)).toBe(0);
  });

  it('never lets a reader that follows the sequence miss an event committing late, under 20 writers and two sequencers', async () => {
    // Two sequencers on pools of their own, as two processes would run them.
    const other = createDatabase(database.url, 4);
    const sequencers = [db, other].map((on) => new EventSequencer(on, outbox, { logger: silent, sweepMs: 2 }));
    for (const s of sequencers) s.start();
    const appended = new Set<string>();
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; i < 15; i += 1) {
        await inTransaction(db, async (tx) => {
          const events = Array.from({ length: randomInt(1, 4) }, () => event());
          await outbox.append(tx, 'race', events);
          // Commit late, while other writers go on: the hazard docs/events.md names.
          await sleep(randomInt(0, 6));
          for (const e of events) appended.add(e.id);
        });
        if (i % 2 === 0) await sequencers[w % 2]?.settle('race');
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
          if (!stillWriting && seen.length === appended.size) return;
          await sleep(1);
        }
      }
    };
    const reading = reader();
    await Promise.all(Array.from({ length: 20 }, (_, w) => writer(w)));
    writing = false;
    await reading;
    for (const s of sequencers) await s.stop();
    await closeDatabase(other);
    expect(seen.length).toBe(appended.size);
    expect(new Set(seen.map((e) => e.id))).toEqual(appended);
  });

  it("numbers each row's changes in the order they were made, although transactions took their ids in another order", async () => {
    await sqlOf(db).execute(`INSERT INTO tenants (id, name) VALUES ('rows', 'Rows')`);
    await sqlOf(db).execute(`CREATE TABLE race_rows (id int PRIMARY KEY, version int NOT NULL)`);
    await sqlOf(db).execute(`INSERT INTO race_rows SELECT g, 0 FROM generate_series(1, 3) g`);
    await sqlOf(db).execute(`INSERT INTO race_rows SELECT 100 + g, 0 FROM generate_series(0, 15) g`);
    const sequencer = new EventSequencer(db, outbox, { logger: silent, sweepMs: 1 });
    sequencer.start();
    const versions = new Map<string, number>();
    const change = async (job: number) => {
      await inTransaction(db, async (tx) => {
        // A write to a row of its own first gives the transaction its id early; then it waits,
        // so transactions that started later often change the contended row before it.
        await tx.execute(`UPDATE race_rows SET version = version + 1 WHERE id = $1`, 100 + job);
        await sleep(randomInt(0, 3));
        const row = randomInt(1, 4);
        const e = event({ data: { row } });
        const [bumped] = await tx.rows<{ version: number }[]>(
          `UPDATE race_rows SET version = version + 1 WHERE id = $1 RETURNING version`,
          row,
        );
        versions.set(e.id, bumped?.version ?? -1);
        await sleep(randomInt(0, 3));
        await outbox.append(tx, 'rows', [e]);
        await sleep(randomInt(0, 3));
      });
    };
    const jobs = Array.from({ length: 16 }, async (_, job) => {
      for (let i = 0; i < 12; i += 1) await change(job);
    });
    await Promise.all(jobs);
    await sequencer.settle('rows');
    await sequencer.stop();
    const events = await outbox.after(sqlOf(db), 'rows', 0, 1_000);
    expect(events).toHaveLength(16 * 12);
    for (const row of [1, 2, 3]) {
      const inOrder = events.filter((e) => e.data['row'] === row).map((e) => versions.get(e.id));
      expect(inOrder).toEqual([...inOrder].sort((a, b) => Number(a) - Number(b)));
    }
  });
});
