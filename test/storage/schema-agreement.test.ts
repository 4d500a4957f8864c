import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { readPrismaSchema, type PrismaColumn } from '../helpers/prisma-schema.js';

const models = readPrismaSchema(join(import.meta.dirname, '../../prisma/schema.prisma'));
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await database.drop();
});

/** The Postgres type Prisma maps each scalar to, given its native type attribute. */
function expectedType(c: PrismaColumn): string {
  if (c.list) return 'ARRAY';
  if (c.nativeType === 'Uuid') return 'uuid';
  if (c.nativeType === 'Timestamptz') return 'timestamp with time zone';
  const defaults: Record<string, string> = {
    String: 'text',
    Boolean: 'boolean',
    Int: 'integer',
    BigInt: 'bigint',
    DateTime: 'timestamp without time zone',
    Json: 'jsonb',
  };
  return defaults[c.type] ?? `unknown ${c.type}`;
}

describe('schema.prisma agrees with the migrated database', () => {
  it('has a model for every table the migrations create, and no more', async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(models.map((m) => m.table).sort());
  });

  for (const model of models) {
    it(`${model.name} (${model.table}): columns, types and nullability`, async () => {
      const { rows } = await client.query<{ column_name: string; data_type: string; is_nullable: string }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [model.table],
      );
      const actual = Object.fromEntries(
        rows.map((r) => [r.column_name, { type: r.data_type, nullable: r.is_nullable === 'YES' }]),
      );
      const expected = Object.fromEntries(
        model.columns.map((c) => [c.column, { type: expectedType(c), nullable: c.optional }]),
      );
      expect(actual).toEqual(expected);
    });

    it(`${model.name} (${model.table}): primary key, unique keys, indexes and cascading foreign keys`, async () => {
      const { rows } = await client.query<{
        columns: string[];
        is_primary: boolean;
        is_unique: boolean;
        is_plain: boolean;
      }>(
        `SELECT array_agg(a.attname ORDER BY k.ord)::text[] AS columns, i.indisprimary AS is_primary, i.indisunique AS is_unique,
                (i.indexprs IS NULL AND i.indpred IS NULL) AS is_plain
           FROM pg_index i
           JOIN pg_class t ON t.oid = i.indrelid
           CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
          WHERE t.relname = $1
          GROUP BY i.indexrelid, i.indisprimary, i.indisunique, i.indexprs, i.indpred`,
        [model.table],
      );
      // Plain column indexes must match Prisma's exactly; expression, partial and GIN indexes
      // are ours alone (Prisma cannot express them) and are checked by the tests that use them.
      const describe = (kind: string, cols: readonly string[]) => `${kind}(${cols.join(',')})`;
      const actual = rows
        .filter((r) => r.is_plain && !r.columns.includes('search'))
        .map((r) => describe(r.is_primary ? 'id' : r.is_unique ? 'unique' : 'index', r.columns))
        .sort();
      expect(actual).toEqual(model.indexes.map((i) => describe(i.kind, i.columns)).sort());

      const fks = await client.query<{ columns: string[]; on_delete: string }>(
        `SELECT array_agg(a.attname ORDER BY k.ord)::text[] AS columns, c.confdeltype AS on_delete
           FROM pg_constraint c
           JOIN pg_class t ON t.oid = c.conrelid
           CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
          WHERE t.relname = $1 AND c.contype = 'f'
          GROUP BY c.oid, c.confdeltype`,
        [model.table],
      );
      const actualFks = fks.rows
        .map((r) => `${r.columns.join(',')}:${r.on_delete === 'c' ? 'Cascade' : r.on_delete}`)
        .sort();
      expect(actualFks).toEqual(model.relations.map((r) => `${r.fields.join(',')}:${r.onDelete ?? 'none'}`).sort());
    });
  }
});
