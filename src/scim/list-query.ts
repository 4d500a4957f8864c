import { ScimError } from './errors.js';
import type { AttributePath, Filter } from './filter/ast.js';
import { parseFilter, parsePatchPath, type FilterParseOptions } from './filter/parse.js';
import type { Projection } from './projection.js';
import type { ResourceTypeDefinition } from './schema/registry.js';
import { resolvePath } from './schema/resolve.js';

/** A list or search request (RFC 7644 §3.4.2, §3.4.3), parsed and checked against the schema. */
export interface ListQuery {
  readonly filter?: Filter;
  readonly sortBy?: AttributePath;
  readonly sortOrder: 'ascending' | 'descending';
  /** 1-based (RFC 7644 §3.4.2.4). */
  readonly startIndex: number;
  /** RFC 9865 cursor paging: '' asks for the first page, any other value continues. */
  readonly cursor?: string;
  readonly count: number;
  readonly projection: Projection;
}

export interface ListLimits {
  /** The page size when the client names none, and the most it may ask for. */
  readonly defaultCount: number;
  readonly maxCount: number;
}

/** Parameters as they arrive: query-string strings, or JSON values from POST /.search. */
export type RawListParameters = Readonly<Record<string, unknown>>;

const invalid = (detail: string): never => {
  throw new ScimError(400, 'invalidValue', detail);
};

function integer(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) return invalid(`${name} must be an integer, got ${JSON.stringify(value)}.`);
  return number;
}

function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return invalid(`${name} must be a string, got ${JSON.stringify(value)}.`);
  return value;
}

/** `attributes` / `excludedAttributes`: comma-separated in a URL, an array in a search body. */
export function parseAttributeList(
  type: ResourceTypeDefinition,
  name: string,
  value: unknown,
): AttributePath[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(',')
      : invalid(`${name} must be a list of attribute names.`);
  const urns = [type.schema.id, ...type.schemaExtensions.map((e) => e.schema.id)];
  return items
    .map((item: unknown) =>
      typeof item === 'string' ? item.trim() : invalid(`${name} must contain attribute names only.`),
    )
    .filter((item) => item !== '')
    .map((item) => {
      let parsed;
      try {
        parsed = parsePatchPath(item, { schemaUrns: urns });
      } catch (error) {
        if (error instanceof ScimError) return invalid(`${name}: ${error.detail}`);
        throw error;
      }
      if (parsed.filter !== undefined) return invalid(`${name}: "${item}" is not an attribute name (no filters here).`);
      if (parsed.path.attribute !== '') resolvePath(type, parsed.path, 'invalidValue');
      return parsed.path;
    });
}

/**
 * RFC 7644 §3.4.2.4: a startIndex below 1 counts as 1 and a negative count as 0; a count above
 * the advertised maximum is reduced to it (§3.4.2.4: "SHALL NOT return more than").
 */
export function parseListQuery(
  type: ResourceTypeDefinition,
  raw: RawListParameters,
  limits: ListLimits,
  filterOptions: FilterParseOptions = {},
): ListQuery {
  const filterText = text('filter', raw['filter']);
  const sortByText = text('sortBy', raw['sortBy']);
  const sortOrderText = text('sortOrder', raw['sortOrder']);
  if (sortOrderText !== undefined && !['ascending', 'descending'].includes(sortOrderText.toLowerCase())) {
    invalid(`sortOrder must be "ascending" or "descending", got "${sortOrderText}".`);
  }
  let sortBy: AttributePath | undefined;
  if (sortByText !== undefined && sortByText.trim() !== '') {
    const [path] = parseAttributeList(type, 'sortBy', sortByText) ?? [];
    const resolved = path === undefined || path.attribute === '' ? undefined : resolvePath(type, path, 'invalidValue');
    if (path === undefined || resolved === undefined) return invalid(`sortBy must name one attribute.`);
    // RFC 7644 §3.4.2.3: sortBy names a singular attribute.
    if (
      resolved.attribute.multiValued ||
      (resolved.attribute.type === 'complex' && resolved.subAttribute === undefined)
    ) {
      invalid(`sortBy "${sortByText}" must name a single-valued, non-complex attribute.`);
    }
    sortBy = path;
  }
  const attributes = parseAttributeList(type, 'attributes', raw['attributes']);
  const excludedAttributes = parseAttributeList(type, 'excludedAttributes', raw['excludedAttributes']);
  const count = integer('count', raw['count']) ?? limits.defaultCount;
  const cursor = text('cursor', raw['cursor']);
  if (cursor !== undefined) {
    // RFC 9865: cursor and index paging are alternatives; a request uses one of them.
    if (raw['startIndex'] !== undefined)
      invalid('startIndex and cursor cannot be combined: page by index or by cursor.');
    if (sortBy !== undefined) invalid('Cursor paging follows creation order; sortBy cannot be combined with cursor.');
  }
  return {
    ...(cursor === undefined ? {} : { cursor: cursor.trim() }),
    ...(filterText === undefined || filterText.trim() === '' ? {} : { filter: parseFilter(filterText, filterOptions) }),
    ...(sortBy === undefined ? {} : { sortBy }),
    sortOrder: sortOrderText?.toLowerCase() === 'descending' ? 'descending' : 'ascending',
    startIndex: Math.max(1, integer('startIndex', raw['startIndex']) ?? 1),
    count: Math.min(limits.maxCount, Math.max(0, count)),
    projection: {
      ...(attributes === undefined ? {} : { attributes }),
      ...(excludedAttributes === undefined ? {} : { excludedAttributes }),
    },
  };
}
