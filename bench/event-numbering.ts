/**
 * `npx tsx bench/event-numbering.ts`: what numbering events costs a tenant's writes, the
 * measurement behind decision 0007. 20 clients create users in ONE tenant as fast as they can,
 * each create one statement that also writes its event, three ways:
 *   - counter: the per-tenant counter raised inside the write (decision 0005), which holds the
 *     tenant row until commit;
 *   - sequencer: the event into outbox_pending under the schema fence (FOR KEY SHARE), numbered
 *     after commit by the sequencer, which runs alongside as the service runs it;
 *   - bare: the event into a table numbered by a plain bigserial: no order per tenant at all,
 *     the least work that still writes an event.
 * Prints creates per second and, for the sequencer, how far numbering lagged behind the commits.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createLogger } from '../src/observability/logger.js';
import { EventSequencer } from '../src/events/sequencer.js';
import { closeDatabase, createDatabase } from '../src/storage/db.js';
import { eventsParameter, OutboxStore, withEvents } from '../src/storage/outbox.js';
import { createBenchDatabase, serverUrl } from './database.js';

const CLIENTS = Number(process.env['BENCH_CONNECTIONS'] ?? 20);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const TENANT = 'bench';

const INSERT_USER = `INSERT INTO scim_users (tenant_id, id, user_name, active, document, search)
  VALUES ($1, $2::uuid, $3, true, $4::jsonb, $4::jsonb)
  RETURNING id, document, version, created_at, updated_at`;

// The statement decision 0005 shipped: the counter in the same statement as the write.
const COUNTER = `WITH w AS (${INSERT_USER}),
  counter AS (
    UPDATE tenants SET event_sequence = event_sequence + jsonb_array_length($5::jsonb)
     WHERE id = $1 AND EXISTS (SELECT 1 FROM w) RETURNING event_sequence)
  INSERT INTO outbox_events (tenant_id, sequence, id, type, resource_type, resource_id, data)
  SELECT $1, counter.event_sequence - jsonb_array_length($5::jsonb) + e.ord, (e.doc ->> 'id')::uuid,
         e.doc ->> 'type', e.doc ->> 'resourceType', (e.doc ->> 'resourceId')::uuid, e.doc -> 'data'
    FROM counter, w, jsonb_array_elements($5::jsonb) WITH ORDINALITY AS e(doc, ord)`;

const SEQUENCER = withEvents(INSERT_USER, 5, 6);

const BARE = `WITH w AS (${INSERT_USER})
  INSERT INTO bench_bare_outbox (tenant_id, id, type, resource_type, resource_id, data)
  SELECT $1, (e.doc ->> 'id')::uuid, e.doc ->> 'type', e.doc ->> 'resourceType', (e.doc ->> 'resourceId')::uuid,
         e.doc -> 'data'
    FROM w, jsonb_array_elements($5::jsonb) AS e(doc)`;

async function load(pool: pg.Pool, sql: string, withFence: boolean): Promise<number> {
  const until = Date.now() + SECONDS * 1_000;
  let done = 0;
  const client = async () => {
    while (Date.now() < until) {
      const id = randomUUID();
      const document = JSON.stringify({ userName: `u-${id}` });
      const events = eventsParameter([
        {
          id: randomUUID(),
          type: 'user.created',
          resourceType: 'User',
          resourceId: id,
          externalId: undefined,
          data: { id },
          changedAttributes: [],
        },
      ]);
      await pool.query({
        name: `${sql.length}`,
        text: sql,
        values: [TENANT, id, `u-${id}`, document, events, ...(withFence ? [0] : [])],
      });
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return done / SECONDS;
}

async function main(): Promise<void> {
  const database = await createBenchDatabase(serverUrl(), 'scim_numbering');
  const pool = new pg.Pool({ connectionString: database.url, max: CLIENTS });
  const db = createDatabase(database.url, 2);
  try {
    await pool.query(`INSERT INTO tenants (id, name) VALUES ($1, 'Bench')`, [TENANT]);
    await pool.query(`CREATE TABLE bench_bare_outbox (position bigserial PRIMARY KEY, tenant_id text NOT NULL,
      id uuid NOT NULL, type text NOT NULL, resource_type text NOT NULL, resource_id uuid NOT NULL, data jsonb NOT NULL,
      occurred_at timestamptz(3) NOT NULL DEFAULT now())`);
    const results: [string, number, string][] = [];
    await database.settle();
    results.push(['counter (decision 0005)', await load(pool, COUNTER, false), '']);
    await database.settle();

    // The sequencer as a service process runs it: settled after each commit, and swept.
    const outbox = new OutboxStore();
    const lags: number[] = [];
    const sequencer = new EventSequencer(db, outbox, {
      logger: createLogger('silent'),
      onSequenced: () => undefined,
    });
    sequencer.start();
    const watch = setInterval(() => {
      void pool
        .query<{ lag: number | null }>(
          `SELECT (extract(epoch FROM now() - min(occurred_at)) * 1000)::float8 AS lag FROM outbox_pending`,
        )
        .then((r) => lags.push(r.rows[0]?.lag ?? 0));
    }, 50);
    const settling = setInterval(() => void sequencer.settle(TENANT), 2);
    const rate = await load(pool, SEQUENCER, true);
    clearInterval(settling);
    clearInterval(watch);
    await sequencer.settle(TENANT);
    await sequencer.stop();
    lags.sort((a, b) => a - b);
    const p = (q: number) => Math.round(lags[Math.floor((lags.length - 1) * q)] ?? 0);
    results.push(['sequencer (decision 0007)', rate, `oldest unnumbered event: p50 ${p(0.5)} ms, max ${p(1)} ms`]);
    await database.settle();
    results.push(['bare bigserial (no order)', await load(pool, BARE, false), '']);

    const bare = results.at(-1)?.[1] ?? 1;
    process.stdout.write(`\n${CLIENTS} clients, one tenant, ${SECONDS} s each\n`);
    for (const [name, perSecond, note] of results) {
      process.stdout.write(
        `${name.padEnd(28)} ${Math.round(perSecond).toString().padStart(6)} creates/s  ${(perSecond / bare).toFixed(2)}× bare  ${note}\n`,
      );
    }
  } finally {
    await pool.end();
    await closeDatabase(db);
    await database.drop();
  }
}

await main();
