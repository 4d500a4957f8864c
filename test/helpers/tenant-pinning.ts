// Issue 13, item 6: every statement a request sends pins tenant_id to one value. That is what lets
// the tenant-owned tables be distributed by tenant_id (Citus style), with `tenants` a reference
// table: each statement then routes to one shard. docs/architecture.md, "Storage design".
//
// The check reads the SQL text (a parser of our own below, for the subset of PostgreSQL the service
// sends), and fails closed: a table reference it cannot place, a function it does not know, or a
// statement it cannot read is a violation, never a pass. Its limits:
//   * Only equalities count as pins: `tenant_id = $n`, `= 'literal'`, `= x.tenant_id` of a table
//     reference that is itself pinned (`= t.id` of a pinned `tenants t`), or `= (SELECT …)` of a
//     subquery selecting only such a key. `= ANY(…)`, `IN (…)`, and anything under an OR (outside a
//     CASE) pin nothing, which is stricter than SQL needs. `tenants` is pinned by its `id`.
//   * An INSERT pins its row by the value it gives tenant_id: the same parameter or literal in
//     every VALUES row, or a pinned value in the SELECT list. ON CONFLICT … DO UPDATE changes the
//     row the INSERT names, so it needs no pin of its own.
//   * An equality pins only references of its own query block: a correlated subquery may lean on an
//     outer pinned reference, never pin it. A LEFT JOIN's ON pins only the joined table; a RIGHT or
//     FULL join's ON pins nothing.
//   * An unqualified column resolves to the one table of its block that has it (PostgreSQL refuses
//     a statement where two FROM items of a block have it, and these statements ran); where no
//     table of the block has it but a subquery, CTE or function in its FROM might, it does not
//     resolve (fail closed).
//   * A CTE body sees the blocks enclosing its WITH, as in SQL; CTE names are taken statement-wide.
//     A subquery in FROM sees the other FROM items of its block, LATERAL or not (PostgreSQL refuses
//     a reference to them without LATERAL).
//   * Functions defined in the database (plpgsql) hide their statements: each must be listed with
//     the argument that carries its tenant, which must be a parameter or literal. Their bodies were
//     read by hand (prisma/migrations/*outbox_sequencer*, *resource_counts*, *user_groups_function*:
//     every statement filters by p_tenant).

/** What the checker knows of the database: tables with their columns, and functions defined in it. */
export interface Catalog {
  readonly columns: ReadonlyMap<string, ReadonlySet<string>>;
  readonly functions: ReadonlySet<string>;
}

// The argument of each function defined in the database that carries the tenant it works on, or
// null for one that touches no table.
export const TENANT_ARGUMENT: Readonly<Record<string, number | null>> = {
  scim_sequence_events: 0,
  // A user's groups through nested ones; every statement filters by p_tenant
  // (prisma/migrations/*_user_groups_function).
  scim_user_groups: 0,
  // Only raises SQLSTATE SC001 (prisma/migrations/*_schema_fence).
  scim_schema_changed: null,
  // Only raises SQLSTATE SC002 (prisma/migrations/*_member_refused).
  scim_member_refused: null,
};

// Tables the check leaves alone: migration bookkeeping, read by /readyz, not by a tenant's request.
export const EXEMPT_TABLES = new Set(['_prisma_migrations']);

// Statements allowed not to pin one tenant, with why. Matched on their whole text (whitespace
// collapsed), so a change to one of them is checked again; each must also be met by this test.
export const EXCEPTIONS: ReadonlyMap<string, string> = new Map([
  [
    'SELECT id FROM tenants WHERE id = ANY($1::text[]) FOR KEY SHARE',
    "The request log's batch writer (storage/request-log-store.ts, RequestLogStore.insert), off the request path by design: one batch holds many tenants' lines, and `tenants` is a reference table.",
  ],
  [
    'COPY scim_request_log (tenant_id, received_at, method, path, status, duration_ms, provider, rules, request_id, request_body, response_body, caller) FROM STDIN',
    'The same batch writer: one COPY for many tenants, off the request path; each row names its tenant_id, by which Citus routes COPY rows to shards.',
  ],
]);

// ---------------------------------------------------------------------------------------------
// Tokens and parenthesised groups

type TokenKind = 'word' | 'quoted' | 'param' | 'string' | 'number' | 'punct' | 'op';
interface Token {
  readonly kind: TokenKind;
  /** A word lowercased (PostgreSQL folds unquoted names), a quoted name without its quotes. */
  readonly text: string;
}
interface Group {
  readonly kind: 'group';
  readonly items: readonly SqlNode[];
}
type SqlNode = Token | Group;

const LEXEMES: readonly (readonly [TokenKind | 'skip', RegExp])[] = [
  ['skip', /\s+|--[^\n]*|\/\*[\s\S]*?\*\//y],
  ['string', /[Ee]'(?:\\[\s\S]|''|[^'\\])*'|'(?:''|[^'])*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/y],
  ['param', /\$\d+/y],
  ['quoted', /"(?:""|[^"])*"/y],
  ['word', /[A-Za-z_][\w$]*/y],
  ['number', /\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+/y],
  ['punct', /[(),;.[\]]/y],
  ['op', /::|[-+*/<>=~!@#%^&|`?:]+/y],
];

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  scan: while (at < sql.length) {
    for (const [kind, pattern] of LEXEMES) {
      pattern.lastIndex = at;
      const match = pattern.exec(sql);
      if (match === null) continue;
      at = pattern.lastIndex;
      const text = match[0];
      if (kind === 'word') tokens.push({ kind, text: text.toLowerCase() });
      else if (kind === 'quoted') tokens.push({ kind, text: text.slice(1, -1).replaceAll('""', '"') });
      else if (kind !== 'skip') tokens.push({ kind, text });
      continue scan;
    }
    throw new Error(`unreadable SQL at ${sql.slice(at, at + 20)}`);
  }
  return tokens;
}

function groupTokens(tokens: readonly Token[]): SqlNode[] {
  const stack: SqlNode[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'punct' && token.text === '(') stack.push([]);
    else if (token.kind === 'punct' && token.text === ')') {
      const items = stack.pop();
      const parent = stack.at(-1);
      if (items === undefined || parent === undefined || stack.length === 0) throw new Error('unbalanced )');
      parent.push({ kind: 'group', items });
    } else stack.at(-1)?.push(token);
  }
  const [top, ...open] = stack;
  if (top === undefined || open.length > 0) throw new Error('unbalanced (');
  return top;
}

const isGroup = (node: SqlNode | undefined): node is Group => node?.kind === 'group';
const isWord = (node: SqlNode | undefined, ...words: string[]): boolean =>
  node?.kind === 'word' && (words.length === 0 || words.includes(node.text));
const isPunct = (node: SqlNode | undefined, text: string): boolean => node?.kind === 'punct' && node.text === text;
const isOp = (node: SqlNode | undefined, text: string): boolean => node?.kind === 'op' && node.text === text;
const isName = (node: SqlNode | undefined): node is Token => node?.kind === 'word' || node?.kind === 'quoted';
const isQuery = (node: SqlNode | undefined): boolean =>
  isGroup(node) && isWord(node.items[0], 'select', 'with', 'values', 'insert', 'update', 'delete');

/** Splits at top-level nodes matching `at` (the separators are dropped). */
function splitAt(items: readonly SqlNode[], at: (node: SqlNode) => boolean): SqlNode[][] {
  const parts: SqlNode[][] = [[]];
  for (const node of items) {
    if (at(node)) parts.push([]);
    else parts.at(-1)?.push(node);
  }
  return parts;
}
const splitCommas = (items: readonly SqlNode[]) => splitAt(items, (n) => isPunct(n, ','));

// ---------------------------------------------------------------------------------------------
// Query blocks, their table references, and the equalities that may pin them

interface TableRef {
  readonly table: string;
  readonly alias: string;
  readonly block: Block;
  pinned: boolean;
}
interface Block {
  readonly parent: Block | undefined;
  /** Every name its FROM brings into scope: a table reference, or 'other' (subquery, CTE, function). */
  readonly names: Map<string, TableRef | 'other'>;
  readonly refs: TableRef[];
  selectList: readonly SqlNode[];
}
type Operand =
  | { readonly kind: 'value'; readonly text: string }
  | { readonly kind: 'column'; readonly qualifier: string | undefined; readonly column: string }
  /** A scalar subquery, whose one column may be a pinned key. */
  | { readonly kind: 'query'; readonly group: Group };
interface Equality {
  readonly block: Block;
  readonly left: Operand;
  readonly right: Operand;
  /** Which references of the block it may pin: all, only the table a LEFT JOIN brings, or none. */
  readonly pins: 'any' | 'none' | TableRef;
}
interface InsertPin {
  readonly target: TableRef;
  /** The value each row gives the key column, with the block it is read in. */
  readonly sources: readonly { readonly operand: Operand | undefined; readonly block: Block }[];
}

interface Context {
  readonly catalog: Catalog;
  readonly blocks: Block[];
  readonly equalities: Equality[];
  readonly inserts: InsertPin[];
  readonly cteNames: Set<string>;
  /** The blocks each subquery yields its rows from. */
  readonly subqueries: Map<Group, Block[]>;
  /** Tokens read as a table reference; any other mention of a table must qualify a column. */
  readonly placed: Set<Token>;
  readonly violations: string[];
}

/** The column that pins a table to one tenant. */
const keyColumn = (table: string) => (table === 'tenants' ? 'id' : 'tenant_id');

const CLAUSES: Readonly<Record<string, ReadonlySet<string>>> = {
  select: new Set(['select', 'from', 'where', 'group', 'having', 'window', 'order', 'limit', 'offset', 'fetch', 'for']),
  update: new Set(['update', 'set', 'from', 'where', 'returning']),
  delete: new Set(['delete', 'from', 'using', 'where', 'returning']),
  values: new Set(['values', 'order', 'limit', 'offset']),
};
const JOIN_WORDS = ['join', 'inner', 'left', 'right', 'full', 'outer', 'cross', 'natural'];
const NOT_ALIASES = new Set([
  ...JOIN_WORDS,
  ...(CLAUSES['select'] ?? []),
  'on',
  'using',
  'returning',
  'set',
  'union',
  'intersect',
  'except',
  'with',
  'as',
]);

/** A WITH and its set operations: returns the blocks whose rows the query yields. */
function parseQuery(items: readonly SqlNode[], enclosing: Block | undefined, ctx: Context): Block[] {
  let i = 0;
  if (isWord(items[0], 'with')) {
    i = isWord(items[1], 'recursive') ? 2 : 1;
    for (;;) {
      const name = items[i];
      if (!isName(name)) throw new Error('a CTE without a name');
      ctx.cteNames.add(name.text);
      i += isGroup(items[i + 1]) ? 2 : 1;
      if (!isWord(items[i], 'as')) throw new Error(`CTE ${name.text} without AS`);
      i += 1;
      if (isWord(items[i], 'not')) i += 1;
      if (isWord(items[i], 'materialized')) i += 1;
      const body = items[i];
      if (!isGroup(body) || !isQuery(body)) throw new Error(`CTE ${name.text} without a body`);
      parseQuery(body.items, enclosing, ctx);
      i += 1;
      if (!isPunct(items[i], ',')) break;
      i += 1;
    }
  }
  const rest = items.slice(i);
  if (!isWord(rest[0], 'select', 'values') && !isGroup(rest[0])) return [parseBlock(rest, enclosing, ctx)];
  return splitAt(rest, (n) => isWord(n, 'union', 'intersect', 'except')).flatMap((arm) => {
    const body = isWord(arm[0], 'all', 'distinct') ? arm.slice(1) : arm;
    const [only] = body;
    return body.length === 1 && isGroup(only) && isQuery(only)
      ? parseQuery(only.items, enclosing, ctx)
      : [parseBlock(body, enclosing, ctx)];
  });
}

function parseBlock(items: readonly SqlNode[], parent: Block | undefined, ctx: Context): Block {
  const block: Block = { parent, names: new Map(), refs: [], selectList: [] };
  ctx.blocks.push(block);
  const head = items[0];
  if (isWord(head, 'insert')) {
    parseInsert(items, block, ctx);
    return block;
  }
  const clauseWords = head?.kind === 'word' ? CLAUSES[head.text] : undefined;
  // Anything else (BEGIN, COMMIT, COPY, TABLE, …) reads no table as far as the checker knows:
  // a table named in it is left unplaced, which is a violation.
  if (clauseWords === undefined) return block;
  const clauses: { word: string; items: SqlNode[] }[] = [];
  items.forEach((node, index) => {
    const before = items[index - 1];
    const word = node.kind === 'word' ? node.text : '';
    const startsClause =
      clauseWords.has(word) &&
      !(word === 'from' && isWord(before, 'distinct')) &&
      !(word === 'group' && isWord(before, 'within'));
    if (startsClause) clauses.push({ word, items: [] });
    else clauses.at(-1)?.items.push(node);
  });
  for (const clause of clauses) {
    if (clause.word === 'select') {
      block.selectList = isWord(clause.items[0], 'distinct', 'all') ? clause.items.slice(1) : clause.items;
      scanSubqueries(clause.items, block, ctx);
    } else if (clause.word === 'update' || (clause.word === 'from' && isWord(head, 'delete'))) {
      parseFromList(
        clause.items.filter((n) => !isWord(n, 'only')),
        block,
        ctx,
      );
    } else if (clause.word === 'from' || clause.word === 'using') {
      parseFromList(clause.items, block, ctx);
    } else if (clause.word === 'where') {
      addConditions(clause.items, block, 'any', ctx);
      scanSubqueries(clause.items, block, ctx);
    } else {
      scanSubqueries(clause.items, block, ctx);
    }
  }
  return block;
}

/** INSERT INTO t [AS a] (columns) VALUES … | SELECT … [ON CONFLICT …] [RETURNING …] */
function parseInsert(items: readonly SqlNode[], block: Block, ctx: Context): void {
  if (!isWord(items[1], 'into')) throw new Error('INSERT without INTO');
  let i = 2;
  const { ref, next } = tableAt(items, i, block, ctx);
  i = next;
  const columnList = items[i];
  const columns =
    isGroup(columnList) && !isQuery(columnList)
      ? splitCommas(columnList.items).map((c) => (c.length === 1 && isName(c[0]) ? c[0].text : ''))
      : [];
  if (columns.length > 0) i += 1;
  let end = items.findIndex(
    (n, k) => k >= i && (isWord(n, 'returning') || (isWord(n, 'on') && isWord(items[k + 1], 'conflict'))),
  );
  if (end < 0) end = items.length;
  const source = items.slice(i, end);
  scanSubqueries(items.slice(end), block, ctx);
  if (ref === undefined) return;
  const index = columns.indexOf(keyColumn(ref.table));
  let sources: InsertPin['sources'] = [];
  if (isWord(source[0], 'values')) {
    const rows = splitCommas(source.slice(1));
    scanSubqueries(source, block, ctx);
    const values = rows.map((row) => {
      const [only] = row;
      return row.length === 1 && isGroup(only) ? operandOf(splitCommas(only.items)[index] ?? []) : undefined;
    });
    // One tenant for every row: the same parameter or literal in each.
    const texts = values.map((v) => (v?.kind === 'value' ? v.text : undefined));
    const same = texts.every((text) => text !== undefined && text === texts[0]);
    sources = same ? values.map((operand) => ({ operand, block })) : [{ operand: undefined, block }];
  } else if (source.length > 0 && !isWord(source[0], 'default')) {
    sources = parseQuery(source, block.parent, ctx).map((arm) => ({
      operand: selectedOperand(arm, index),
      block: arm,
    }));
  }
  ctx.inserts.push({ target: ref, sources: index < 0 ? [] : sources });
}

/** A FROM (or USING, or UPDATE's target) list: items, joins, and their ON conditions. */
function parseFromList(items: readonly SqlNode[], block: Block, ctx: Context): void {
  let i = 0;
  let join: 'inner' | 'left' | 'none' = 'inner';
  while (i < items.length) {
    const { ref, next } = fromItemAt(items, i, block, ctx);
    i = next;
    if (isWord(items[i], 'on')) {
      let end = items.findIndex((n, k) => k > i && (isWord(n, ...JOIN_WORDS) || isPunct(n, ',')));
      if (end < 0) end = items.length;
      const condition = items.slice(i + 1, end);
      const pins = join === 'inner' ? 'any' : join === 'left' && ref !== undefined ? ref : 'none';
      addConditions(condition, block, pins, ctx);
      scanSubqueries(condition, block, ctx);
      i = end;
    } else if (isWord(items[i], 'using')) {
      i += 2;
    }
    if (i >= items.length) break;
    if (isPunct(items[i], ',')) {
      join = 'inner';
      i += 1;
      continue;
    }
    join = 'inner';
    while (!isWord(items[i], 'join')) {
      const node = items[i];
      const word = node?.kind === 'word' ? node.text : '';
      if (!JOIN_WORDS.includes(word)) throw new Error(`unexpected ${word === '' ? 'item' : word} in FROM`);
      if (word === 'left') join = 'left';
      if (word === 'right' || word === 'full' || word === 'natural') join = 'none';
      i += 1;
    }
    i += 1;
  }
}

function fromItemAt(
  items: readonly SqlNode[],
  start: number,
  block: Block,
  ctx: Context,
): { ref: TableRef | undefined; next: number } {
  let i = start;
  while (isWord(items[i], 'lateral', 'only')) i += 1;
  const node = items[i];
  if (isGroup(node)) {
    if (isQuery(node)) parseQuery(node.items, block, ctx);
    else parseFromList(node.items, block, ctx);
    return { ref: undefined, next: aliasAt(items, i + 1, block, undefined) };
  }
  let j = i;
  while (isPunct(items[j + 1], '.') && isName(items[j + 2])) j += 2;
  const call = items[j + 1];
  if (isName(node) && isGroup(call)) {
    scanSubqueries([call], block, ctx);
    let next = j + 2;
    if (isWord(items[next], 'with') && isWord(items[next + 1], 'ordinality')) next += 2;
    return { ref: undefined, next: aliasAt(items, next, block, node.text) };
  }
  return tableAt(items, i, block, ctx);
}

/** A table name, [schema.]table, with its alias: placed as a reference of the block. */
function tableAt(
  items: readonly SqlNode[],
  start: number,
  block: Block,
  ctx: Context,
): { ref: TableRef | undefined; next: number } {
  const parts: Token[] = [];
  let i = start;
  for (;;) {
    const part = items[i];
    if (!isName(part)) throw new Error('a table reference without a name');
    parts.push(part);
    i += 1;
    if (!isPunct(items[i], '.')) break;
    i += 1;
  }
  const table = parts.at(-1);
  if (table === undefined) throw new Error('a table reference without a name');
  const schema = parts.length === 2 ? parts[0]?.text : parts.length === 1 ? 'public' : undefined;
  if (parts.length === 1 && ctx.cteNames.has(table.text)) {
    return { ref: undefined, next: aliasAt(items, i, block, table.text) };
  }
  if (schema !== 'public' || !ctx.catalog.columns.has(table.text)) {
    ctx.violations.push(`reads a relation the checker does not know: ${parts.map((p) => p.text).join('.')}`);
    return { ref: undefined, next: aliasAt(items, i, block, table.text) };
  }
  ctx.placed.add(table);
  let alias = table.text;
  let next = i;
  if (isWord(items[next], 'as')) next += 1;
  const word = items[next];
  if (isName(word) && !(word.kind === 'word' && NOT_ALIASES.has(word.text))) {
    alias = word.text;
    next += 1;
  } else if (next > i) throw new Error('AS without an alias');
  const ref: TableRef = { table: table.text, alias, block, pinned: false };
  block.refs.push(ref);
  block.names.set(alias, ref);
  return { ref, next };
}

/** [AS] alias [(columns)] after a subquery, function or CTE in FROM: a name whose columns are unknown. */
function aliasAt(items: readonly SqlNode[], start: number, block: Block, fallback: string | undefined): number {
  let i = start;
  if (isWord(items[i], 'as')) i += 1;
  const word = items[i];
  let alias = fallback;
  if (isName(word) && !(word.kind === 'word' && NOT_ALIASES.has(word.text))) {
    alias = word.text;
    i += 1;
    if (isGroup(items[i])) i += 1;
  }
  if (alias !== undefined) block.names.set(alias, 'other');
  return i;
}

/** Every subquery in an expression: a block of its own, inside `block`. */
function scanSubqueries(items: readonly SqlNode[], block: Block, ctx: Context): void {
  for (const node of items) {
    if (isGroup(node) && isQuery(node)) ctx.subqueries.set(node, parseQuery(node.items, block, ctx));
    else if (isGroup(node)) scanSubqueries(node.items, block, ctx);
  }
}

/** The equalities that hold for every row: the top-level AND terms, through parentheses. */
function addConditions(items: readonly SqlNode[], block: Block, pins: Equality['pins'], ctx: Context): void {
  for (const term of conjuncts(items)) {
    const equals = term.flatMap((n, k) => (isOp(n, '=') ? [k] : []));
    const [at] = equals;
    if (at === undefined || equals.length !== 1) continue;
    const left = operandOf(term.slice(0, at));
    const right = operandOf(term.slice(at + 1));
    if (left !== undefined && right !== undefined) ctx.equalities.push({ block, left, right, pins });
  }
}

function conjuncts(items: readonly SqlNode[]): SqlNode[][] {
  const terms: SqlNode[][] = [[]];
  let caseDepth = 0;
  let between = false;
  for (const node of items) {
    if (isWord(node, 'case')) caseDepth += 1;
    if (isWord(node, 'end')) caseDepth -= 1;
    if (isWord(node, 'between')) between = true;
    if (caseDepth === 0 && isWord(node, 'or')) return [];
    if (caseDepth === 0 && isWord(node, 'and') && !between) terms.push([]);
    else {
      if (isWord(node, 'and')) between = false;
      terms.at(-1)?.push(node);
    }
  }
  return terms.flatMap((term) => {
    const [only] = term;
    return term.length === 1 && isGroup(only) && !isQuery(only) ? conjuncts(only.items) : [term];
  });
}

/** A parameter, a literal or a column, with any cast after it; anything else is undefined. */
function operandOf(items: readonly SqlNode[]): Operand | undefined {
  const cast = items.findIndex((n) => isOp(n, '::'));
  const core = cast < 0 ? items : items.slice(0, cast);
  // After a cast, only its type (text, uuid[], varchar(10), time zone …): `$1::text || x` is no one value.
  const type = cast < 0 ? [] : items.slice(cast);
  if (!type.every((n) => isName(n) || isGroup(n) || isOp(n, '::') || isPunct(n, '[') || isPunct(n, ']'))) {
    return undefined;
  }
  const [first] = core;
  if (first === undefined) return undefined;
  if (core.length === 1 && isGroup(first) && isQuery(first)) return { kind: 'query', group: first };
  if (core.length === 1 && (first.kind === 'param' || first.kind === 'string' || first.kind === 'number')) {
    return { kind: 'value', text: first.text };
  }
  const names = core.filter((_, k) => k % 2 === 0);
  const dots = core.filter((_, k) => k % 2 === 1);
  if (core.length % 2 === 0 || names.length > 3 || !names.every(isName) || !dots.every((d) => isPunct(d, '.'))) {
    return undefined;
  }
  const column = names.at(-1)?.text;
  return column === undefined ? undefined : { kind: 'column', qualifier: names.at(-2)?.text, column };
}

/** The table reference a column belongs to, seen from `block`; undefined where not one table's. */
function resolve(operand: Operand, block: Block, catalog: Catalog): TableRef | undefined {
  if (operand.kind !== 'column') return undefined;
  // Unqualified: PostgreSQL takes the innermost block with a FROM item that has the column, and
  // refuses a statement where two items of that block have it. So one known table with it is the
  // one (the statement ran); none, beside an item whose columns are unknown, is not known.
  for (let b: Block | undefined = block; b !== undefined; b = b.parent) {
    if (operand.qualifier !== undefined) {
      const named = b.names.get(operand.qualifier);
      if (named !== undefined) return named === 'other' ? undefined : named;
      continue;
    }
    const having = b.refs.filter((r) => catalog.columns.get(r.table)?.has(operand.column) === true);
    if (having.length > 0) return having.length === 1 ? having[0] : undefined;
    if ([...b.names.values()].some((n) => n === 'other')) return undefined;
  }
  return undefined;
}

/**
 * A value that is one tenant: a parameter, a literal, the key column of a pinned reference, or a
 * scalar subquery that selects one.
 */
function pinnedValue(operand: Operand | undefined, block: Block, ctx: Context): boolean {
  if (operand === undefined) return false;
  if (operand.kind === 'value') return true;
  if (operand.kind === 'query') {
    const arms = ctx.subqueries.get(operand.group) ?? [];
    return arms.length > 0 && arms.every((arm) => pinnedValue(selectedOperand(arm, 0, 1), arm, ctx));
  }
  const ref = resolve(operand, block, ctx.catalog);
  return ref !== undefined && ref.pinned && keyColumn(ref.table) === operand.column;
}

/** The index-th item a block selects, when it selects `count` items (any count when undefined). */
function selectedOperand(block: Block, index: number, count?: number): Operand | undefined {
  const items = splitCommas(block.selectList);
  if (count !== undefined && items.length !== count) return undefined;
  const item = items[index] ?? [];
  return operandOf(isWord(item.at(-2), 'as') ? item.slice(0, -2) : item);
}

/**
 * A function's tenant argument given as `alias.tenant_id`, checked once pins have spread: every
 * table reference under that alias must then be pinned (the call reads the pinned row's tenant).
 */
interface ColumnTenantArgument {
  readonly fn: string;
  readonly qualifier: string;
}

function checkFunctionCalls(items: readonly SqlNode[], ctx: Context, deferred: ColumnTenantArgument[]): void {
  items.forEach((node, index) => {
    const call = items[index + 1];
    if (isName(node) && ctx.catalog.functions.has(node.text) && isGroup(call)) {
      const argument = TENANT_ARGUMENT[node.text];
      const operand =
        argument === undefined || argument === null ? undefined : operandOf(splitCommas(call.items)[argument] ?? []);
      if (argument === undefined) {
        ctx.violations.push(`calls ${node.text}(), a function of the database: say which argument is its tenant`);
      } else if (operand?.kind === 'column' && operand.qualifier !== undefined && operand.column === 'tenant_id') {
        deferred.push({ fn: node.text, qualifier: operand.qualifier });
      } else if (argument !== null && operand?.kind !== 'value') {
        ctx.violations.push(
          `calls ${node.text}() without a parameter, a literal or a pinned row's tenant_id for its tenant`,
        );
      }
    }
    if (isGroup(node)) checkFunctionCalls(node.items, ctx, deferred);
  });
}

function tableMentions(items: readonly SqlNode[], ctx: Context): void {
  items.forEach((node, index) => {
    if (isGroup(node)) tableMentions(node.items, ctx);
    else if (
      isName(node) &&
      ctx.catalog.columns.has(node.text) &&
      !ctx.placed.has(node) &&
      !isPunct(items[index + 1], '.') &&
      !isPunct(items[index - 1], '.')
    ) {
      ctx.violations.push(`names ${node.text} where the checker cannot read it as a table reference`);
    }
  });
}

interface StatementCheck {
  /** Every way the statement fails to pin one tenant; empty when it does. */
  readonly violations: readonly string[];
  /** The tenant-owned tables and `tenants` it reads or writes. */
  readonly tables: readonly string[];
}

/** Whether every reference to a tenant-owned table (and to `tenants`) is pinned to one tenant. */
export function checkStatement(sql: string, catalog: Catalog): StatementCheck {
  const ctx: Context = {
    catalog,
    blocks: [],
    equalities: [],
    inserts: [],
    cteNames: new Set(),
    subqueries: new Map(),
    placed: new Set(),
    violations: [],
  };
  let tree: SqlNode[];
  try {
    tree = groupTokens(tokenize(sql));
    const statements = splitAt(tree, (n) => isPunct(n, ';')).filter((s) => s.length > 0);
    for (const statement of statements) parseQuery(statement, undefined, ctx);
  } catch (error) {
    return { violations: [`cannot be read: ${(error as Error).message}`], tables: [] };
  }
  const columnArguments: ColumnTenantArgument[] = [];
  checkFunctionCalls(tree, ctx, columnArguments);
  tableMentions(tree, ctx);
  // Pins spread through equalities until nothing changes (a join pins one table from another).
  for (let changed = true; changed;) {
    changed = false;
    for (const e of ctx.equalities) {
      for (const [side, other] of [
        [e.left, e.right],
        [e.right, e.left],
      ] as const) {
        const ref = resolve(side, e.block, catalog);
        if (ref === undefined || ref.pinned || ref.block !== e.block || side.kind !== 'column') continue;
        if (e.pins !== 'any' && e.pins !== ref) continue;
        if (side.column === keyColumn(ref.table) && pinnedValue(other, e.block, ctx)) {
          ref.pinned = true;
          changed = true;
        }
      }
    }
    for (const insert of ctx.inserts) {
      const { target, sources } = insert;
      if (!target.pinned && sources.length > 0 && sources.every((s) => pinnedValue(s.operand, s.block, ctx))) {
        target.pinned = true;
        changed = true;
      }
    }
  }
  const refs = ctx.blocks.flatMap((b) => b.refs).filter((r) => !EXEMPT_TABLES.has(r.table));
  for (const { fn, qualifier } of columnArguments) {
    const named = refs.filter((r) => r.alias === qualifier && catalog.columns.get(r.table)?.has('tenant_id') === true);
    if (named.length === 0 || !named.every((r) => r.pinned))
      ctx.violations.push(`calls ${fn}() with ${qualifier}.tenant_id, which is not a pinned row's`);
  }
  for (const ref of refs) {
    const owned = ref.table === 'tenants' || catalog.columns.get(ref.table)?.has('tenant_id') === true;
    if (!owned) ctx.violations.push(`reads ${ref.table}, which has no tenant_id`);
    else if (!ref.pinned)
      ctx.violations.push(`${ref.table} ${ref.alias}: ${keyColumn(ref.table)} not pinned to one value`);
  }
  return { violations: ctx.violations, tables: [...new Set(refs.map((r) => r.table))] };
}
