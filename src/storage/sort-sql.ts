import { ScimError } from '../scim/errors.js';
import type { AttributePath } from '../scim/filter/ast.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { resolvePath } from '../scim/schema/resolve.js';
import type { SqlParams } from './sql-params.js';
import { storedColumnSql } from './stored-column-sql.js';

/**
 * ORDER BY for sortBy/sortOrder (RFC 7644 §3.4.2.3). Without sortBy the order is creation
 * order, which the (tenant_id, created_at, id) index serves and which is stable across pages.
 * Missing values sort last ascending and first descending, Postgres' default, and id breaks ties
 * so pages never overlap.
 */
export function compileSort(
  type: ResourceTypeDefinition,
  sortBy: AttributePath | undefined,
  descending: boolean,
  params: SqlParams,
): string {
  const direction = descending ? 'DESC' : 'ASC';
  if (sortBy === undefined) return `r.created_at ${direction}, r.id ${direction}`;
  const resolved = resolvePath(type, sortBy, 'invalidValue');
  const name = resolved.attribute.name;
  const sub = resolved.subAttribute?.name;
  const stored = resolved.extension || sub !== undefined ? undefined : type.storage.columns[name];
  let expression: string;
  if (resolved.schema === undefined) {
    const columns: Readonly<Record<string, string>> = {
      id: 'r.id',
      externalId: 'r.external_id COLLATE "C"',
      'meta.created': 'r.created_at',
      'meta.lastModified': 'r.updated_at',
      // As the representation shows them: one resource type (ties, kept in creation order), one
      // base URL, W/"<n>" strings.
      'meta.resourceType': 'r.created_at',
      'meta.location': 'r.id::text COLLATE "C"',
      'meta.version': `('W/"' || r.version::text || '"') COLLATE "C"`,
    };
    const column = columns[sub === undefined ? name : `${name}.${sub}`];
    if (column === undefined) {
      throw new ScimError(
        400,
        'invalidValue',
        `sortBy: ${name}${sub === undefined ? '' : `.${sub}`} is not sortable: name a single-valued attribute or sub-attribute, such as meta.lastModified.`,
      );
    }
    expression = column;
  } else if (stored !== undefined) {
    // A core attribute with a column of its own (userName, a group's displayName): the column,
    // folded as its shadow value is, so the (tenant_id, lower(column) COLLATE "C", id) index
    // serves the order, which a shadow path bound as a parameter never can.
    expression = `${storedColumnSql(stored)} COLLATE "C"`;
  } else {
    const keys = resolved.extension ? [resolved.schema.id.toLowerCase(), name.toLowerCase()] : [name.toLowerCase()];
    if (sub !== undefined) keys.push(sub.toLowerCase());
    const definition = resolved.subAttribute ?? resolved.attribute;
    const json = `(r.search #> ${params.add(keys, 'text[]')})`;
    expression =
      definition.type === 'integer' || definition.type === 'decimal'
        ? `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json} #>> '{}')::numeric END)`
        : definition.type === 'boolean'
          ? `(CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN (${json} #>> '{}')::boolean END)`
          : `(${json} #>> '{}') COLLATE "C"`;
  }
  return `${expression} ${direction}, r.id ${direction}`;
}
