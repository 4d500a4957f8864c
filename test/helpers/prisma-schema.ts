import { readFileSync } from 'node:fs';

/**
 * A reader for the subset of the Prisma schema language prisma/schema.prisma uses. The Prisma
 * CLI's own DMMF needs its schema engine, which cannot be downloaded here; this reads enough
 * to check that schema.prisma and the hand-written migrations describe the same database.
 */
export interface PrismaColumn {
  readonly field: string;
  readonly column: string;
  readonly type: string;
  readonly list: boolean;
  readonly optional: boolean;
  readonly nativeType: string | undefined;
}

export interface PrismaIndex {
  readonly kind: 'id' | 'unique' | 'index';
  readonly columns: readonly string[];
}

export interface PrismaModel {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly PrismaColumn[];
  readonly indexes: readonly PrismaIndex[];
  readonly relations: readonly { fields: readonly string[]; onDelete: string | undefined }[];
}

const SCALARS = new Set(['String', 'Boolean', 'Int', 'BigInt', 'Float', 'Decimal', 'DateTime', 'Json', 'Bytes']);

export function readPrismaSchema(path: string): PrismaModel[] {
  const text = readFileSync(path, 'utf8').replace(/\/\/.*$/gm, '');
  const models: PrismaModel[] = [];
  for (const match of text.matchAll(/model\s+(\w+)\s*\{([^}]*)\}/g)) {
    const [, name = '', body = ''] = match;
    const columns: PrismaColumn[] = [];
    const indexes: PrismaIndex[] = [];
    const relations: { fields: string[]; onDelete: string | undefined }[] = [];
    let table = name;
    const fieldToColumn = new Map<string, string>();
    const lines = body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    for (const line of lines) {
      if (line.startsWith('@@')) continue;
      const [field = '', rawType = ''] = line.split(/\s+/);
      const type = rawType.replace(/[?[\]]/g, '');
      const mapped = /@map\("([^"]+)"\)/.exec(line)?.[1] ?? field;
      fieldToColumn.set(field, mapped);
      if (!SCALARS.has(type)) {
        const rel = /@relation\(fields:\s*\[([^\]]*)\]/.exec(line);
        const onDelete = /onDelete:\s*(\w+)/.exec(line)?.[1];
        if (rel !== null) relations.push({ fields: (rel[1] ?? '').split(',').map((f) => f.trim()), onDelete });
        continue;
      }
      columns.push({
        field,
        column: mapped,
        type,
        list: rawType.endsWith('[]'),
        optional: rawType.endsWith('?'),
        nativeType: /@db\.(\w+)/.exec(line)?.[1],
      });
      if (/@id\b/.test(line)) indexes.push({ kind: 'id', columns: [mapped] });
      if (/@unique\b/.test(line)) indexes.push({ kind: 'unique', columns: [mapped] });
    }
    const toColumns = (list: string) => list.split(',').map((f) => fieldToColumn.get(f.trim()) ?? f.trim());
    for (const line of lines) {
      const map = /^@@map\("([^"]+)"\)/.exec(line);
      if (map) table = map[1] ?? name;
      const block = /^@@(id|unique|index)\(\[([^\]]*)\]/.exec(line);
      if (block) indexes.push({ kind: block[1] as PrismaIndex['kind'], columns: toColumns(block[2] ?? '') });
    }
    models.push({
      name,
      table,
      columns,
      indexes,
      relations: relations.map((r) => ({
        fields: r.fields.map((f) => fieldToColumn.get(f) ?? f),
        onDelete: r.onDelete,
      })),
    });
  }
  return models;
}
