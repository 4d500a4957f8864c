import { ScimError } from '../scim/errors.js';
import type { AttributePath, Filter } from '../scim/filter/ast.js';
import { parseFilter } from '../scim/filter/parse.js';
import { parseAttributeList, type ListLimits, type ListQuery } from '../scim/list-query.js';
import { project, type Projection } from '../scim/projection.js';
import type { JsonObject } from '../scim/resource/json.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { resolvePath, type ResolvedPath } from '../scim/schema/resolve.js';
import { typeHolding } from '../scim/schema/open-extensions.js';
import type { FilterOptions } from '../storage/filter-sql.js';
import { noteRules, requireAuthenticated, type TenantContext } from './context.js';
import { RULES } from '../scim/compat/rules.js';
import type { ListResult } from './resources.js';

export interface SearchSource {
  readonly type: ResourceTypeDefinition;
  list(ctx: TenantContext, query: ListQuery, options: FilterOptions): Promise<ListResult>;
}

export interface RootSearchResult {
  readonly total: number;
  readonly startIndex: number;
  readonly resources: readonly JsonObject[];
}

const invalid = (detail: string): never => {
  throw new ScimError(400, 'invalidValue', detail);
};

/** The attribute the path names in this type; undefined when it names none there. */
function resolvedIn(type: ResourceTypeDefinition, path: AttributePath): ResolvedPath | undefined {
  try {
    return resolvePath(type, path, 'invalidFilter');
  } catch (error) {
    if (error instanceof ScimError) return undefined;
    throw error;
  }
}

const resolves = (type: ResourceTypeDefinition, path: AttributePath): boolean => resolvedIn(type, path) !== undefined;

/** Every attribute a filter names must belong to at least one resource type searched. */
function checkFilterPaths(types: readonly ResourceTypeDefinition[], filter: Filter): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      checkFilterPaths(types, filter.left);
      checkFilterPaths(types, filter.right);
      return;
    case 'not':
      checkFilterPaths(types, filter.filter);
      return;
    default:
      if (!types.some((t) => resolves(t, filter.path))) {
        const p = filter.path;
        throw new ScimError(
          400,
          'invalidFilter',
          `"${p.schema === undefined ? '' : `${p.schema}:`}${p.attribute}${p.subAttribute === undefined ? '' : `.${p.subAttribute}`}" is an attribute of no resource type.`,
        );
      }
  }
}

/**
 * Whether an attribute the filter names has another shape in another type (Agent's `name` is a
 * string, User's complex): only then may a type fail to run a filter that another runs. Where
 * every type that has the attribute agrees, a comparison one of them refuses is simply wrong.
 */
function shapesDiffer(types: readonly ResourceTypeDefinition[], filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return shapesDiffer(types, filter.left) || shapesDiffer(types, filter.right);
    case 'not':
      return shapesDiffer(types, filter.filter);
    default: {
      const shapes = new Set<string>();
      for (const type of types) {
        const resolved = resolvedIn(type, filter.path);
        if (resolved === undefined) continue;
        const definition = resolved.subAttribute ?? resolved.attribute;
        shapes.add(`${definition.type}/${String(definition.multiValued)}`);
      }
      return shapes.size > 1;
    }
  }
}

/** `attributes` for one type: the names it has; a name no type has is an error. */
function projectionFor(
  type: ResourceTypeDefinition,
  all: readonly ResourceTypeDefinition[],
  name: string,
  raw: unknown,
): AttributePath[] | undefined {
  if (raw === undefined) return undefined;
  const names = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw.split(',')
      : invalid(`${name} must be a list of attribute names.`);
  const kept: AttributePath[] = [];
  for (const item of names) {
    if (typeof item !== 'string' || item.trim() === '') continue;
    const owners = all.filter((t) => {
      try {
        parseAttributeList(t, name, item);
        return true;
      } catch (error) {
        if (error instanceof ScimError) return false;
        throw error;
      }
    });
    if (owners.length === 0) invalid(`${name}: "${item.trim()}" is an attribute of no resource type.`);
    if (owners.includes(type)) kept.push(...(parseAttributeList(type, name, item) ?? []));
  }
  return kept;
}

/**
 * POST /.search at the tenant root (RFC 7644 §3.4.3): one query over every resource type,
 * merged in creation order. Attributes a type lacks count as unassigned for it (§3.4.2.2).
 */
export async function searchAll(
  ctx: TenantContext,
  sources: readonly SearchSource[],
  body: Record<string, unknown>,
  limits: ListLimits,
): Promise<RootSearchResult> {
  requireAuthenticated(ctx);
  const types = sources.map((s) => s.type);
  if (body['cursor'] !== undefined)
    invalid('Cursor paging is offered per resource type (/Users, /Groups), not at the root.');
  if (body['sortBy'] !== undefined)
    invalid('sortBy is offered per resource type (/Users, /Groups); root searches come in creation order.');
  const filterText = body['filter'];
  if (filterText !== undefined && typeof filterText !== 'string') invalid('filter must be a string.');
  // Filters as providers write them, as on /Users and /Groups (scim/compat rule
  // filter-value-path-sub-attribute: Entra ID's emails[type eq "work"].value).
  const lenient = {
    onValuePathSubAttribute: () => {
      noteRules(ctx, [RULES.filterValuePathSubAttribute.name]);
    },
  };
  const filter =
    typeof filterText === 'string' && filterText.trim() !== '' ? parseFilter(filterText, lenient) : undefined;
  if (filter !== undefined) checkFilterPaths(types, filter);
  const number = (name: string, fallback: number) => {
    const value = body[name];
    if (value === undefined) return fallback;
    return typeof value === 'number' && Number.isSafeInteger(value) ? value : invalid(`${name} must be an integer.`);
  };
  const startIndex = Math.max(1, number('startIndex', 1));
  const count = Math.min(limits.maxCount, Math.max(0, number('count', limits.defaultCount)));
  const descending = typeof body['sortOrder'] === 'string' && body['sortOrder'].toLowerCase() === 'descending';
  const depth = startIndex - 1 + count;
  // A root search reaches no deeper than the largest page (filter.maxResults): each resource type
  // reads `depth` rows, whole documents, to merge them, so it then costs at most what the largest
  // page of each type costs. Deeper, the cost grows with the depth (at 10,000 users a page at
  // depth 10,000 took 5 to 7 times as long as /Users?count=1000), and a tenant's few admitted
  // requests could hold the service's one event loop for everyone (issue 11, OWASP API4).
  // Identity providers do not page the root; a client that does pages per resource type instead.
  if (depth > limits.maxCount) {
    invalid(
      `A root search reaches at most ${limits.maxCount} resources deep (startIndex - 1 + count); page per resource type beyond that.`,
    );
  }

  const pages = await Promise.all(
    sources.map(async (source) => {
      const projection: Projection = {
        ...optional('attributes', projectionFor(source.type, types, 'attributes', body['attributes'])),
        ...optional(
          'excludedAttributes',
          projectionFor(source.type, types, 'excludedAttributes', body['excludedAttributes']),
        ),
      };
      const query: ListQuery = {
        ...(filter === undefined ? {} : { filter }),
        sortOrder: descending ? 'descending' : 'ascending',
        startIndex: 1,
        count: depth,
        // Lets each type skip what the response leaves out (members, groups).
        projection,
      };
      const result = await source.list(ctx, query, { unknownAsUnassigned: true }).catch((error: unknown) => {
        if (!(error instanceof ScimError && error.scimType === 'invalidFilter')) throw error;
        return error;
      });
      return { source, projection, result };
    }),
  );
  // An attribute that has another shape in another type (Agent's name is a string, User's is
  // complex) makes the filter meaningless there: that type matches nothing. A filter no type can
  // run, or one a type refuses where every type shapes its attributes alike, is refused.
  const ran = pages.flatMap((p) => (p.result instanceof ScimError ? [] : [{ ...p, result: p.result }]));
  const refusal = pages.find((p) => p.result instanceof ScimError)?.result;
  if (refusal instanceof ScimError && (ran.length === 0 || filter === undefined || !shapesDiffer(types, filter)))
    throw refusal;
  const merged = ran.flatMap(({ source, projection, result }) =>
    result.resources.map((resource) => ({
      key: sortKey(resource),
      resource: project(typeHolding(source.type, resource), resource, projection),
    })),
  );
  merged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) * (descending ? -1 : 1));
  return {
    total: ran.reduce((sum, p) => sum + p.result.total, 0),
    startIndex,
    resources: merged.slice(startIndex - 1, startIndex - 1 + count).map((m) => m.resource),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Creation time then id: the order each resource type's own list uses. */
function sortKey(resource: JsonObject): string {
  const meta = resource['meta'];
  const created = typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? meta['created'] : undefined;
  return `${typeof created === 'string' ? created : ''}|${typeof resource['id'] === 'string' ? resource['id'] : ''}`;
}
