import type { AttributePath, CompareValue, Filter, PatchPath } from './ast.js';

/**
 * Canonical text of a filter (RFC 7644 §3.4.2.2): single spaces, lower-case keywords, JSON values,
 * and parentheses only where precedence ("and" over "or", both left-associative) needs them, so
 * parseFilter(formatFilter(f)) equals f. Used by property tests and for logging.
 */
export function formatFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${formatAttributePath(filter.path)} ${filter.operator} ${formatValue(filter.value)}`;
    case 'present':
      return `${formatAttributePath(filter.path)} pr`;
    case 'and':
      return `${operand(filter.left, ['or'])} and ${operand(filter.right, ['or', 'and'])}`;
    case 'or':
      return `${formatFilter(filter.left)} or ${operand(filter.right, ['or'])}`;
    case 'not':
      return `not (${formatFilter(filter.filter)})`;
    case 'valuePath':
      return `${formatAttributePath(filter.path)}[${formatFilter(filter.filter)}]`;
  }
}

/** PATH text (RFC 7644 §3.5.2); an empty attribute is the bare schema URN (see parsePatchPath). */
export function formatPatchPath(patchPath: PatchPath): string {
  const { path, filter, subAttribute } = patchPath;
  if (path.attribute === '' && path.schema !== undefined) return path.schema;
  const bracket = filter === undefined ? '' : `[${formatFilter(filter)}]`;
  const sub = subAttribute === undefined ? '' : `.${subAttribute}`;
  return `${formatAttributePath(path)}${bracket}${sub}`;
}

/** attrPath = [URI ":"] ATTRNAME *1subAttr (RFC 7644 §3.10). */
export function formatAttributePath(path: AttributePath): string {
  const schema = path.schema === undefined ? '' : `${path.schema}:`;
  const sub = path.subAttribute === undefined ? '' : `.${path.subAttribute}`;
  return `${schema}${path.attribute}${sub}`;
}

/** A side of "and"/"or" whose own operator would otherwise bind differently is parenthesised. */
function operand(filter: Filter, wrap: readonly Filter['kind'][]): string {
  const text = formatFilter(filter);
  return wrap.includes(filter.kind) ? `(${text})` : text;
}

/** compValue is JSON (RFC 8259); JSON.stringify escapes quotes, backslashes, controls and lone surrogates. */
function formatValue(value: CompareValue): string {
  if (typeof value !== 'number') return JSON.stringify(value);
  if (!Number.isFinite(value)) throw new RangeError(`A filter value must be a finite number, not ${value}`);
  return Object.is(value, -0) ? '-0' : String(value);
}
