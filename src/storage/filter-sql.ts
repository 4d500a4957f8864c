import { ScimError } from '../scim/errors.js';
import type { AttributePath, CompareOperator, CompareValue, Filter } from '../scim/filter/ast.js';
import type { JsonObject, JsonValue } from '../scim/resource/json.js';
import { normalizeDateTime } from '../scim/resource/date-time.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { resolvePath, resolveSubAttribute, type ResolvedPath } from '../scim/schema/resolve.js';
import type { AttributeDefinition } from '../scim/schema/types.js';
import type { SqlParams } from './sql-params.js';
import { checkComparison, isSubstringOperator } from '../scim/filter/operator-rules.js';
import { isUuid } from '../scim/resource/ids.js';
import { groupMemberRows, MEMBERSHIP_COLUMNS, userGroupRows } from './membership-sql.js';
import { storedColumnSql } from './stored-column-sql.js';

/**
 * Compiles a parsed SCIM filter (RFC 7644 §3.4.2.2) into a parameterized SQL condition over a
 * resource row aliased `r` (see docs/architecture.md, "Documents and their searchable shadow").
 * Equality and presence become JSONB containment on `search`, served by its GIN index; the hot
 * keys go to their own indexed columns; the other operators are predicates on the shadow,
 * evaluated by Postgres within the tenant's rows.
 */
export function compileFilter(
  type: ResourceTypeDefinition,
  filter: Filter,
  params: SqlParams,
  options: FilterOptions = {},
): string {
  return compileWhere(type, filter, params, options).sql;
}

export interface CompiledWhere {
  readonly sql: string;
  /**
   * Whether the condition's selectivity depends on its values so much that Postgres must plan
   * it for each request: a generic plan cannot estimate a JSONB containment or a membership
   * predicate, and guessed one that walked the tenant's rows in creation order to find one email.
   */
  readonly planPerValue: boolean;
  /**
   * The condition is an equality on a key unique per tenant (id, User userName), the lookup an
   * identity provider makes before every create: no row but the one can match, so the page needs
   * no ordering and no count.
   */
  readonly atMostOne: boolean;
}

export function compileWhere(
  type: ResourceTypeDefinition,
  filter: Filter,
  params: SqlParams,
  options: FilterOptions = {},
): CompiledWhere {
  const compiler = new FilterCompiler(type, params, options);
  const sql = compiler.compile(filter);
  const atMostOne =
    filter.kind === 'compare' && filter.operator === 'eq' && filter.value !== null && compiler.isUniqueKey(filter.path);
  return { sql, planPerValue: compiler.planPerValue, atMostOne };
}

export interface FilterOptions {
  /**
   * For queries across resource types (RFC 7644 §3.4.2.2): an attribute this type lacks is
   * treated "as if there is no attribute value" instead of being an error.
   */
  readonly unknownAsUnassigned?: boolean;
  /** The tenant, when known, lets membership subqueries run once instead of once per row. */
  readonly tenantId?: string;
  /** The tenant's SCIM base URL, which meta.location and the $ref of memberships start with. */
  readonly baseUrl?: string;
}

/** An attribute kept in its own column rather than in the shadow document. */
interface Column {
  readonly sql: string;
  readonly kind: 'text' | 'uuid' | 'time';
  /**
   * The column is compared through lower(): the value is folded by the same lower(), never by
   * JavaScript, whose case mapping differs (final sigma, dotted I) from the unique index's.
   */
  readonly folded?: true;
}

const SQL_ORDER: Readonly<Record<'gt' | 'ge' | 'lt' | 'le', string>> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

function invalid(detail: string): never {
  throw new ScimError(400, 'invalidFilter', detail);
}

function describePath(path: AttributePath): string {
  return `${path.schema === undefined ? '' : `${path.schema}:`}${path.attribute}${path.subAttribute === undefined ? '' : `.${path.subAttribute}`}`;
}

/** co, sw and ew as a LIKE pattern, with LIKE's wildcards escaped so the text matches literally. */
function likePattern(operator: CompareOperator, text: string): string {
  const literal = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return operator === 'co' ? `%${literal}%` : operator === 'sw' ? `${literal}%` : `%${literal}`;
}

class FilterCompiler {
  /** Set by every predicate on the shadow document or on membership element rows. */
  planPerValue = false;
  private readonly unknownAsUnassigned: boolean;
  private readonly tenantId: string | undefined;
  private readonly baseUrl: string;

  constructor(
    private readonly type: ResourceTypeDefinition,
    private readonly params: SqlParams,
    options: FilterOptions,
  ) {
    this.unknownAsUnassigned = options.unknownAsUnassigned === true;
    this.tenantId = options.tenantId;
    this.baseUrl = options.baseUrl ?? '';
  }

  /** Whether the path names nothing in this type, when such paths count as unassigned. */
  private unassigned(path: AttributePath): boolean {
    if (!this.unknownAsUnassigned) return false;
    try {
      resolvePath(this.type, path, 'invalidFilter');
      return false;
    } catch (error) {
      if (error instanceof ScimError) return true;
      throw error;
    }
  }

  compile(filter: Filter): string {
    switch (filter.kind) {
      case 'and':
        return `(${this.compile(filter.left)} AND ${this.compile(filter.right)})`;
      case 'or':
        return `(${this.compile(filter.left)} OR ${this.compile(filter.right)})`;
      case 'not':
        // A missing attribute makes a comparison NULL in SQL; NOT must still treat it as false.
        return `(NOT coalesce(${this.compile(filter.filter)}, false))`;
      case 'present':
        return this.unassigned(filter.path) ? 'false' : this.present(filter.path);
      case 'compare':
        // An unassigned value equals null and differs from every value, as for known attributes.
        if (this.unassigned(filter.path)) {
          const isNull = filter.value === null;
          return (filter.operator === 'eq' && isNull) || (filter.operator === 'ne' && !isNull) ? 'true' : 'false';
        }
        return this.compare(filter.path, filter.operator, filter.value);
      case 'valuePath':
        return this.unassigned(filter.path) ? 'false' : this.valuePath(filter.path, filter.filter);
    }
  }

  isUniqueKey(path: AttributePath): boolean {
    if (this.unassigned(path)) return false;
    const resolved = this.resolve(path);
    if (resolved.extension || resolved.subAttribute !== undefined) return false;
    const name = resolved.attribute.name;
    return name === 'id' || (resolved.schema !== undefined && this.type.storage.uniqueKeys.includes(name));
  }

  /** The shadow document column, noting that the condition needs a plan per value. */
  private shadow(): string {
    this.planPerValue = true;
    return 'r.search';
  }

  private resolve(path: AttributePath): ResolvedPath {
    const resolved = resolvePath(this.type, path, 'invalidFilter');
    const computed = computedOnRead(this.type, resolved);
    if (computed !== undefined) throw new ScimError(400, 'invalidFilter', computed);
    return resolved;
  }

  /** The JSON keys of an attribute in the shadow document (lowercased, extensions under their URN). */
  private shadowKeys(resolved: ResolvedPath): string[] {
    const keys = resolved.extension && resolved.schema !== undefined ? [resolved.schema.id.toLowerCase()] : [];
    keys.push(resolved.attribute.name.toLowerCase());
    return keys;
  }

  private presencePath(resolved: ResolvedPath, sub: AttributeDefinition | undefined): string {
    const prefix = resolved.extension && resolved.schema !== undefined ? `${resolved.schema.id.toLowerCase()}:` : '';
    return `${prefix}${resolved.attribute.name.toLowerCase()}${sub === undefined ? '' : `.${sub.name.toLowerCase()}`}`;
  }

  /** The column an attribute lives in, for the few kept outside the shadow document. */
  private column(resolved: ResolvedPath): Column | undefined {
    const name = resolved.attribute.name;
    const sub = resolved.subAttribute?.name;
    if (resolved.schema === undefined) {
      if (name === 'id') return { sql: 'r.id', kind: 'uuid' };
      if (name === 'externalId') return { sql: 'r.external_id', kind: 'text' };
      if (name === 'meta' && sub === 'created') return { sql: 'r.created_at', kind: 'time' };
      if (name === 'meta' && sub === 'lastModified') return { sql: 'r.updated_at', kind: 'time' };
      // The other meta values are what the representation shows, computed from the row.
      if (name === 'meta' && sub === 'resourceType')
        return { sql: `${this.params.add(this.type.name)}::text`, kind: 'text' };
      if (name === 'meta' && sub === 'version') return { sql: `('W/"' || r.version::text || '"')`, kind: 'text' };
      if (name === 'meta' && sub === 'location') {
        return {
          sql: `(${this.params.add(`${this.baseUrl}${this.type.endpoint}/`)}::text || r.id::text)`,
          kind: 'text',
        };
      }
      return invalid(`meta is complex: filter on one of its sub-attributes, such as meta.lastModified.`);
    }
    if (resolved.extension || sub !== undefined) return undefined;
    const stored = this.type.storage.columns[name];
    if (stored === undefined) return undefined;
    return { sql: storedColumnSql(stored), kind: 'text', ...(stored.folded ? { folded: true } : {}) };
  }

  /** RFC 7644 §3.4.2.2 "pr": a non-empty value; an empty string is as good as none. */
  private columnPresent(column: Column): string {
    return column.kind === 'text' ? `(coalesce(${column.sql}, '') <> '')` : `(${column.sql} IS NOT NULL)`;
  }

  private present(path: AttributePath): string {
    const resolved = this.resolve(path);
    // meta is in every representation.
    if (resolved.schema === undefined && resolved.attribute.name === 'meta' && resolved.subAttribute === undefined)
      return 'true';
    const column = this.column(resolved);
    if (column !== undefined) return this.columnPresent(column);
    if (this.isMembership(resolved)) {
      if (resolved.subAttribute === undefined) {
        const side = this.type.storage.membership?.side === 'group' ? 'group_id' : 'member_id';
        return `(EXISTS (SELECT 1 FROM scim_group_members m WHERE m.tenant_id = r.tenant_id AND m.${side} = r.id))`;
      }
      const rows = this.membershipRows(resolved) ?? '';
      return `(EXISTS (SELECT 1 FROM ${rows} AS e WHERE ${this.elementPresent(resolved.subAttribute)}))`;
    }
    const sub = this.effectiveSub(resolved, false);
    return `(${this.shadow()} @> ${this.params.add(JSON.stringify({ $pr: [this.presencePath(resolved, sub)] }), 'jsonb')})`;
  }

  /**
   * A multi-valued complex attribute compared without a sub-attribute (`emails co "x"`)
   * compares its "value" sub-attribute, as the RFC 7644 §3.4.2.2 examples do.
   */
  private effectiveSub(resolved: ResolvedPath, forComparison: boolean): AttributeDefinition | undefined {
    if (resolved.subAttribute !== undefined || resolved.attribute.type !== 'complex' || !forComparison)
      return resolved.subAttribute;
    const value = resolved.attribute.subAttributes?.find((s) => s.name === 'value');
    if (value === undefined) invalid(`${resolved.attribute.name} is complex: name one of its sub-attributes.`);
    return value;
  }

  /**
   * Group members and User groups live in the membership table, not in the documents: the
   * element rows (membership-sql.ts) of the attribute, when it is one of them.
   */
  private membershipRows(resolved: ResolvedPath): string | undefined {
    if (!this.isMembership(resolved)) return undefined;
    this.planPerValue = true;
    const base = `${this.params.add(this.baseUrl)}::text`;
    return this.type.storage.membership?.side === 'group' ? groupMemberRows(base) : userGroupRows(base);
  }

  /** The column of a membership element's sub-attribute, folded unless caseExact. */
  private elementColumn(sub: AttributeDefinition): Column {
    const sql = MEMBERSHIP_COLUMNS[sub.name] ?? invalid(`${sub.name} is not a membership sub-attribute.`);
    return sub.caseExact ? { sql, kind: 'text' } : { sql: `lower(${sql})`, kind: 'text', folded: true };
  }

  private elementPresent(sub: AttributeDefinition): string {
    return `(coalesce(${MEMBERSHIP_COLUMNS[sub.name] ?? 'NULL'}, '') <> '')`;
  }

  private isMembership(resolved: ResolvedPath): boolean {
    return (
      resolved.schema !== undefined &&
      !resolved.extension &&
      resolved.attribute.name === this.type.storage.membership?.attribute
    );
  }

  private compare(path: AttributePath, operator: CompareOperator, value: CompareValue): string {
    const resolved = this.resolve(path);
    const column = this.column(resolved);
    if (column !== undefined) return this.compareColumn(column, resolved, operator, value, path);
    const membershipSql = this.compareMembership(resolved, operator, value, path);
    if (membershipSql !== undefined) return membershipSql;
    const sub = this.effectiveSub(resolved, true);
    const definition = sub ?? resolved.attribute;
    if (value === null) {
      // "eq null" asks for an unassigned attribute (RFC 7643 §2.5): the negation of presence.
      if (operator === 'eq') return `(NOT ${this.present(path)})`;
      if (operator === 'ne') return this.present(path);
      return invalid(`"${describePath(path)} ${operator} null": null can only be compared with eq or ne.`);
    }
    const normalized = this.normalizeValue(definition, value, operator, path);
    if (operator === 'eq' || operator === 'ne') {
      const containment = `(${this.shadow()} @> ${this.params.add(JSON.stringify(this.containment(resolved, sub, normalized)), 'jsonb')})`;
      return operator === 'eq' ? containment : `(NOT ${containment})`;
    }
    return this.elementPredicate(resolved, sub, (element) =>
      this.scalarPredicate(element, definition, operator, normalized),
    );
  }

  /** `{"emails":[{"value":v}]}`: containment matches when any element carries the value. */
  private containment(resolved: ResolvedPath, sub: AttributeDefinition | undefined, value: JsonValue): JsonObject {
    let inner: JsonValue = sub === undefined ? value : { [sub.name.toLowerCase()]: value };
    if (resolved.attribute.multiValued) inner = [inner];
    const keys = this.shadowKeys(resolved);
    let doc: JsonValue = inner;
    for (let i = keys.length - 1; i >= 0; i -= 1) doc = { [keys[i] ?? '']: doc };
    return doc as JsonObject;
  }

  /**
   * A predicate on the value(s) of an attribute: for a multi-valued attribute, true when any
   * element satisfies it (RFC 7644 §3.4.2.2).
   */
  private elementPredicate(
    resolved: ResolvedPath,
    sub: AttributeDefinition | undefined,
    predicate: (text: string) => string,
  ): string {
    const keys = this.shadowKeys(resolved);
    const path = this.params.add(keys, 'text[]');
    if (!resolved.attribute.multiValued) {
      const subKey = sub === undefined ? '' : ` -> ${this.params.add(sub.name.toLowerCase())}`;
      return `(${predicate(`((${this.shadow()} #> ${path})${subKey})`)})`;
    }
    const element = sub === undefined ? 'e.value' : `(e.value -> ${this.params.add(sub.name.toLowerCase())})`;
    return `(EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${this.shadow()} #> ${path}) = 'array' THEN ${this.shadow()} #> ${path} ELSE '[]'::jsonb END) AS e WHERE ${predicate(element)}))`;
  }

  /** A comparison on one JSONB scalar (`json`), typed by the attribute definition. */
  private scalarPredicate(
    json: string,
    definition: AttributeDefinition,
    operator: CompareOperator,
    value: JsonValue,
  ): string {
    const text = `(${json} #>> '{}')`;
    if (isSubstringOperator(operator)) {
      return `${text} LIKE ${this.params.add(likePattern(operator, typeof value === 'string' ? value : JSON.stringify(value)))}`;
    }
    const sqlOp = SQL_ORDER[operator as 'gt' | 'ge' | 'lt' | 'le'];
    if (definition.type === 'integer' || definition.type === 'decimal') {
      return `(jsonb_typeof(${json}) = 'number' AND ${text}::numeric ${sqlOp} ${this.params.add(value, 'numeric')})`;
    }
    // Strings (already case-folded when not caseExact) and normalized dateTimes order bytewise.
    return `${text} COLLATE "C" ${sqlOp} ${this.params.add(value)} COLLATE "C"`;
  }

  private compareColumn(
    column: Column,
    resolved: ResolvedPath,
    operator: CompareOperator,
    value: CompareValue,
    path: AttributePath,
  ): string {
    const definition = resolved.subAttribute ?? resolved.attribute;
    if (value === null) {
      if (operator === 'eq') return `(NOT ${this.columnPresent(column)})`;
      if (operator === 'ne') return this.columnPresent(column);
      return invalid(`"${describePath(path)} ${operator} null": null can only be compared with eq or ne.`);
    }
    const normalized = this.normalizeValue(definition, value, operator, path);
    if (column.kind === 'uuid') {
      if (operator !== 'eq' && operator !== 'ne') return invalid(`${describePath(path)} supports only eq and ne.`);
      // An id that is not a UUID names no resource: no row matches eq, every row matches ne.
      if (typeof normalized !== 'string' || !isUuid(normalized)) return operator === 'eq' ? 'false' : 'true';
      return `(${column.sql} ${operator === 'eq' ? '=' : '<>'} ${this.params.add(normalized, 'uuid')})`;
    }
    if (column.kind === 'time') {
      if (isSubstringOperator(operator))
        return invalid(`${describePath(path)} is a dateTime: use eq, ne, gt, ge, lt or le.`);
      const sqlOp =
        operator === 'eq' ? '=' : operator === 'ne' ? '<>' : SQL_ORDER[operator as 'gt' | 'ge' | 'lt' | 'le'];
      return `(${column.sql} ${sqlOp} ${this.params.add(normalized, 'timestamptz')})`;
    }
    const text = column.folded === true && typeof value === 'string' ? value : normalized;
    const bind = (v: JsonValue) => (column.folded === true ? `lower(${this.params.add(v)})` : this.params.add(v));
    if (isSubstringOperator(operator)) {
      // A trigram index serves it (userName, a group's displayName), but only a plan made for the
      // pattern knows how few rows it matches: a generic one read the tenant's whole btree.
      this.planPerValue = true;
      return `(${column.sql} LIKE ${bind(likePattern(operator, typeof text === 'string' ? text : JSON.stringify(text)))})`;
    }
    const bound = bind(text);
    if (operator === 'eq') return `(${column.sql} = ${bound})`;
    if (operator === 'ne') return `(${column.sql} IS DISTINCT FROM ${bound})`;
    return `(${column.sql} COLLATE "C" ${SQL_ORDER[operator as 'gt' | 'ge' | 'lt' | 'le']} ${bound} COLLATE "C")`;
  }

  private compareMembership(
    resolved: ResolvedPath,
    operator: CompareOperator,
    value: CompareValue,
    path: AttributePath,
  ): string | undefined {
    if (!this.isMembership(resolved)) return undefined;
    const sub = this.effectiveSub(resolved, true);
    if (sub === undefined) return undefined;
    if (sub.name !== 'value' || (operator !== 'eq' && operator !== 'ne') || typeof value !== 'string') {
      return this.compareElements(resolved, sub, operator, value, path);
    }
    if (!isUuid(value)) return operator === 'eq' ? 'false' : 'true';
    const id = this.params.add(value, 'uuid');
    if (this.type.storage.membership?.side === 'group') {
      const exists = `EXISTS (SELECT 1 FROM scim_group_members m WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id AND m.member_id = ${id})`;
      return operator === 'eq' ? `(${exists})` : `(NOT ${exists})`;
    }
    // User.groups holds indirect memberships too (RFC 7643 §4.1.2): the members of the group and
    // of the groups nested in it. Computed once, not per row, when the tenant is known; each
    // step is a LATERAL index probe (see membership-sql.ts, groupsOfUser, for why).
    const tenant = this.tenantId === undefined ? 'r.tenant_id' : this.params.add(this.tenantId);
    const reachable = `r.id IN (WITH RECURSIVE nested(id) AS (
        SELECT ${id}
        UNION
        SELECT x.member_id FROM nested n
         CROSS JOIN LATERAL (SELECT m.member_id FROM scim_group_members m
                              WHERE m.tenant_id = ${tenant} AND m.group_id = n.id AND m.member_type = 'Group' OFFSET 0) x
      ) SELECT x.member_id FROM nested n
         CROSS JOIN LATERAL (SELECT m.member_id FROM scim_group_members m
                              WHERE m.tenant_id = ${tenant} AND m.group_id = n.id OFFSET 0) x)`;
    return operator === 'eq' ? `(${reachable})` : `(NOT (${reachable}))`;
  }

  /**
   * Any comparison on a membership sub-attribute: some element matches (RFC 7644 §3.4.2.2);
   * `ne` and `eq null`, as on the other multi-valued attributes, mean that none does.
   */
  private compareElements(
    resolved: ResolvedPath,
    sub: AttributeDefinition,
    operator: CompareOperator,
    value: CompareValue,
    path: AttributePath,
  ): string {
    const rows = this.membershipRows(resolved) ?? '';
    if (value === null) {
      const some = `(EXISTS (SELECT 1 FROM ${rows} AS e WHERE ${this.elementPresent(sub)}))`;
      if (operator === 'eq') return `(NOT ${some})`;
      if (operator === 'ne') return some;
      return invalid(`"${describePath(path)} ${operator} null": null can only be compared with eq or ne.`);
    }
    const asSub = { ...resolved, subAttribute: sub };
    const column = this.elementColumn(sub);
    if (operator === 'ne') {
      const equal = this.compareColumn(column, asSub, 'eq', value, path);
      return `(NOT EXISTS (SELECT 1 FROM ${rows} AS e WHERE ${equal}))`;
    }
    return `(EXISTS (SELECT 1 FROM ${rows} AS e WHERE ${this.compareColumn(column, asSub, operator, value, path)}))`;
  }

  /** `members[type eq "Group" and display sw "Eng"]`: one element satisfies the whole of it. */
  private membershipElementFilter(parent: ResolvedPath, filter: Filter, parentPath: AttributePath): string {
    return elementCondition(parent, filter, parentPath, (sub, leaf, where) => {
      if (leaf.kind === 'present') return this.elementPresent(sub);
      if (leaf.value === null) {
        if (leaf.operator === 'eq') return `(NOT ${this.elementPresent(sub)})`;
        if (leaf.operator === 'ne') return this.elementPresent(sub);
        return invalid(`"${describePath(where)} ${leaf.operator} null": null can only be compared with eq or ne.`);
      }
      return this.compareColumn(
        this.elementColumn(sub),
        { ...parent, subAttribute: sub },
        leaf.operator,
        leaf.value,
        where,
      );
    });
  }

  /** Checks a comparison value against the attribute's type and folds it as the shadow does. */
  private normalizeValue(
    definition: AttributeDefinition,
    value: Exclude<CompareValue, null>,
    operator: CompareOperator,
    path: AttributePath,
  ): JsonValue {
    const where = describePath(path);
    checkComparison(definition.type, operator, value, where);
    if (definition.type === 'dateTime' && typeof value === 'string') {
      const normalized = normalizeDateTime(value);
      if (normalized === undefined)
        return invalid(`"${where}": "${value}" is not an xsd:dateTime such as 2011-05-13T04:42:34Z.`);
      return normalized;
    }
    if (typeof value !== 'string') return value;
    return definition.caseExact ? value : value.toLowerCase();
  }

  /**
   * `emails[type eq "work" and value co "@x"]`: one element must satisfy the whole inner filter
   * (RFC 7644 §3.4.2.2). Pure equality conjunctions become a single containment document.
   */
  private valuePath(path: AttributePath, inner: Filter): string {
    const resolved = this.resolve(path);
    if (resolved.attribute.type !== 'complex' || resolved.subAttribute !== undefined) {
      return invalid(`"${describePath(path)}[…]": a value filter needs a complex attribute.`);
    }
    if (this.isMembership(resolved)) {
      // `members[value eq "<id>"]` keeps the id lookup; anything else runs on the element rows.
      if (
        inner.kind === 'compare' &&
        inner.path.attribute.toLowerCase() === 'value' &&
        inner.path.subAttribute === undefined
      )
        return this.compile(rebase(inner, path));
      const rows = this.membershipRows(resolved) ?? '';
      return `(EXISTS (SELECT 1 FROM ${rows} AS e WHERE ${this.membershipElementFilter(resolved, inner, path)}))`;
    }
    const equalities = collectEqualities(inner);
    if (equalities !== undefined) {
      const element: JsonObject = {};
      for (const { name, value } of equalities) {
        const sub = resolveSubAttribute(resolved.attribute, name, 'invalidFilter');
        element[sub.name.toLowerCase()] = this.normalizeValue(sub, value, 'eq', { ...path, subAttribute: name });
      }
      const keys = this.shadowKeys(resolved);
      let doc: JsonValue = resolved.attribute.multiValued ? [element] : element;
      for (let i = keys.length - 1; i >= 0; i -= 1) doc = { [keys[i] ?? '']: doc };
      return `(${this.shadow()} @> ${this.params.add(JSON.stringify(doc), 'jsonb')})`;
    }
    const keys = this.params.add(this.shadowKeys(resolved), 'text[]');
    const source = resolved.attribute.multiValued
      ? `jsonb_array_elements(CASE WHEN jsonb_typeof(${this.shadow()} #> ${keys}) = 'array' THEN ${this.shadow()} #> ${keys} ELSE '[]'::jsonb END)`
      : `jsonb_build_array(${this.shadow()} #> ${keys})`;
    return `(EXISTS (SELECT 1 FROM ${source} AS e WHERE ${this.elementFilter(resolved, inner, path)}))`;
  }

  /** Compiles a value filter's inner filter against one element `e.value`. */
  private elementFilter(parent: ResolvedPath, filter: Filter, parentPath: AttributePath): string {
    return elementCondition(parent, filter, parentPath, (sub, leaf, where) => {
      const json = `(e.value -> ${this.params.add(sub.name.toLowerCase())})`;
      if (leaf.kind === 'present') return `(coalesce(${json} #>> '{}', '') <> '')`;
      if (leaf.value === null) {
        if (leaf.operator === 'eq') return `(coalesce(${json} #>> '{}', '') = '')`;
        if (leaf.operator === 'ne') return `(coalesce(${json} #>> '{}', '') <> '')`;
        return invalid(`"${describePath(where)} ${leaf.operator} null": null can only be compared with eq or ne.`);
      }
      const value = this.normalizeValue(sub, leaf.value, leaf.operator, where);
      if (leaf.operator === 'eq') return `(${json} = ${this.params.add(JSON.stringify(value), 'jsonb')})`;
      if (leaf.operator === 'ne')
        return `(${json} IS DISTINCT FROM ${this.params.add(JSON.stringify(value), 'jsonb')})`;
      return this.scalarPredicate(json, sub, leaf.operator, value);
    });
  }
}

type Leaf = Extract<Filter, { kind: 'present' | 'compare' }>;

/**
 * The and / or / not of a value filter (`parent[...]`), each comparison or presence test in it
 * compiled by `leaf` for the sub-attribute of `parent` it names.
 */
function elementCondition(
  parent: ResolvedPath,
  filter: Filter,
  parentPath: AttributePath,
  leaf: (sub: AttributeDefinition, node: Leaf, where: AttributePath) => string,
): string {
  const walk = (node: Filter): string => {
    switch (node.kind) {
      case 'and':
        return `(${walk(node.left)} AND ${walk(node.right)})`;
      case 'or':
        return `(${walk(node.left)} OR ${walk(node.right)})`;
      case 'not':
        return `(NOT coalesce(${walk(node.filter)}, false))`;
      case 'valuePath':
        return invalid('Value filters cannot be nested (RFC 7644 §3.4.2.2).');
      case 'present':
      case 'compare': {
        if (node.path.schema !== undefined || node.path.subAttribute !== undefined) {
          return invalid(`Inside "${parentPath.attribute}[…]", name sub-attributes of ${parentPath.attribute} only.`);
        }
        const sub = resolveSubAttribute(parent.attribute, node.path.attribute, 'invalidFilter');
        return leaf(sub, node, { ...parentPath, subAttribute: node.path.attribute });
      }
    }
  };
  return walk(filter);
}

/** `[type eq "work" and value eq "x"]` → the pairs; undefined when the filter is anything else. */
function collectEqualities(filter: Filter): { name: string; value: Exclude<CompareValue, null> }[] | undefined {
  if (
    filter.kind === 'compare' &&
    filter.operator === 'eq' &&
    filter.value !== null &&
    filter.path.schema === undefined &&
    filter.path.subAttribute === undefined
  ) {
    return [{ name: filter.path.attribute, value: filter.value }];
  }
  if (filter.kind === 'and') {
    const left = collectEqualities(filter.left);
    const right = collectEqualities(filter.right);
    return left === undefined || right === undefined ? undefined : [...left, ...right];
  }
  return undefined;
}

/** Turns `members[value eq "x"]` into `members.value eq "x"` for the membership table. */
function rebase(filter: Filter, parent: AttributePath): Filter {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return { ...filter, left: rebase(filter.left, parent), right: rebase(filter.right, parent) };
    case 'not':
      return { ...filter, filter: rebase(filter.filter, parent) };
    case 'valuePath':
      return invalid('Value filters cannot be nested (RFC 7644 §3.4.2.2).');
    default:
      return { ...filter, path: { ...parent, subAttribute: filter.path.attribute } };
  }
}

/**
 * Why a filter cannot compare this attribute, when the service computes it on every read instead
 * of storing it (Agent applications; the $ref and display of owners, parent and agents): a filter
 * on it would match nothing, silently. Undefined for what is stored.
 */
function computedOnRead(type: ResourceTypeDefinition, resolved: ResolvedPath): string | undefined {
  if (resolved.extension || resolved.schema === undefined) return undefined;
  const name = resolved.attribute.name;
  if ((type.storage.referencedBy ?? []).some((r) => r.attribute === name)) {
    return `"${name}" is computed from other resources on each read and cannot be filtered on; filter those resources instead.`;
  }
  const sub = resolved.subAttribute?.name;
  if ((sub === '$ref' || sub === 'display') && (type.storage.references ?? []).some((r) => r.attribute === name)) {
    return `"${name}.${sub}" is computed on each read and cannot be filtered on; filter on "${name}.value".`;
  }
  return undefined;
}
