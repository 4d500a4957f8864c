import type { AttributeDefinition, SchemaDefinition } from './types.js';

/**
 * What changes from one version of a tenant's schema extension to the next, sorted by what the
 * change means for values already stored under it. Paths are attribute names, "parent.sub" for
 * sub-attributes, spelled as the earlier version spells them (the later one for added ones);
 * names match case-insensitively (RFC 7643 §2.1), so a respelled name is the same attribute.
 */
export interface ExtensionChange {
  /** New attributes and new sub-attributes of complex attributes: no stored value has them. */
  readonly added: readonly string[];
  /** Top-level attributes that are gone (a renamed attribute is one of these plus an added one). */
  readonly removed: readonly string[];
  /**
   * Changes stored values may not survive: type, multiValued, caseExact of a text value,
   * canonicalValues narrowed, and sub-attributes removed or retyped (with their own path).
   */
  readonly retyped: readonly { readonly path: string; readonly change: string }[];
  /** Changes stored values are unaffected by, as sentences such as "costCenter.returned: default → always". */
  readonly other: readonly string[];
}

interface Collected {
  readonly added: string[];
  readonly removed: string[];
  readonly retyped: { readonly path: string; readonly change: string }[];
  readonly other: string[];
}

export function compareExtensionDefinitions(before: SchemaDefinition, after: SchemaDefinition): ExtensionChange {
  const change: Collected = { added: [], removed: [], retyped: [], other: [] };
  if (before.name !== after.name) change.other.push(`name: ${before.name} → ${after.name}`);
  if (before.description !== after.description) change.other.push('description: changed');
  compareLists(before.attributes, after.attributes, undefined, change);
  return change;
}

/**
 * The top-level attributes whose stored values must be checked before the change is allowed:
 * the removed ones and those holding a retyped path, once each, spelled as `before` spells them.
 */
export function storedValuePaths(change: ExtensionChange): string[] {
  const paths = new Map<string, string>();
  for (const path of [...change.removed, ...change.retyped.map((r) => topLevel(r.path))]) {
    if (!paths.has(path.toLowerCase())) paths.set(path.toLowerCase(), path);
  }
  return [...paths.values()];
}

function topLevel(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

function byName(list: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  return list.find((a) => a.name.toLowerCase() === name.toLowerCase());
}

function compareLists(
  before: readonly AttributeDefinition[],
  after: readonly AttributeDefinition[],
  parent: string | undefined,
  change: Collected,
): void {
  const pathOf = (name: string) => (parent === undefined ? name : `${parent}.${name}`);
  for (const old of before) {
    const path = pathOf(old.name);
    const now = byName(after, old.name);
    if (now !== undefined) compareAttribute(old, now, path, change);
    // A removed sub-attribute leaves its values inside the stored complex values.
    else if (parent === undefined) change.removed.push(path);
    else change.retyped.push({ path, change: 'removed' });
  }
  for (const now of after) {
    if (byName(before, now.name) === undefined) change.added.push(pathOf(now.name));
  }
}

/**
 * Types whose values are JSON strings compared as text: the search shadow keeps them lowercased
 * unless caseExact (resource/search-document.ts), so flipping caseExact changes what is stored.
 * dateTimes are normalized instead, and other types have no case.
 */
const TEXT_TYPES: ReadonlySet<string> = new Set(['string', 'reference', 'binary']);

function compareAttribute(old: AttributeDefinition, now: AttributeDefinition, path: string, change: Collected): void {
  const retyped = (what: string) => change.retyped.push({ path, change: what });
  const other = (what: string) => change.other.push(`${path}.${what}`);

  if (old.name !== now.name) other(`name: ${old.name} → ${now.name}`);
  if (old.type !== now.type) retyped(`type: ${old.type} → ${now.type}`);
  if (old.multiValued !== now.multiValued) retyped(`multiValued: ${old.multiValued} → ${now.multiValued}`);
  if (old.caseExact !== now.caseExact) {
    const what = `caseExact: ${old.caseExact} → ${now.caseExact}`;
    if (TEXT_TYPES.has(old.type) || TEXT_TYPES.has(now.type)) retyped(what);
    else other(what);
  }
  compareCanonicalValues(old.canonicalValues, now.canonicalValues, retyped, other);

  if (old.description !== now.description) other('description: changed');
  if (old.required !== now.required) other(`required: ${old.required} → ${now.required}`);
  if (old.mutability !== now.mutability) other(`mutability: ${old.mutability} → ${now.mutability}`);
  if (old.returned !== now.returned) other(`returned: ${old.returned} → ${now.returned}`);
  if (old.uniqueness !== now.uniqueness) other(`uniqueness: ${old.uniqueness} → ${now.uniqueness}`);
  const oldReferences = (old.referenceTypes ?? []).join(', ');
  const newReferences = (now.referenceTypes ?? []).join(', ');
  if (oldReferences !== newReferences) other(`referenceTypes: ${oldReferences || 'none'} → ${newReferences || 'none'}`);

  // Once the type itself changed, the type change says it all.
  if (old.type === 'complex' && now.type === 'complex') {
    compareLists(old.subAttributes ?? [], now.subAttributes ?? [], path, change);
  }
}

/**
 * Validation accepts a value of a string with canonicalValues only if it matches one of them,
 * case-insensitively, and stores it in the listed spelling (resource/validate.ts); no list (or an
 * empty one) accepts any value. A narrower list may refuse values already stored.
 */
function compareCanonicalValues(
  old: readonly string[] | undefined,
  now: readonly string[] | undefined,
  retyped: (what: string) => void,
  other: (what: string) => void,
): void {
  const before = old ?? [];
  const after = now ?? [];
  if (after.length === 0) {
    if (before.length > 0) other('canonicalValues: any value now accepted');
    return;
  }
  if (before.length === 0) {
    retyped(`canonicalValues: now restricted to ${quoted(after)}`);
    return;
  }
  const missingFrom = (list: readonly string[], from: readonly string[]) =>
    list.filter((value) => !from.some((v) => v.toLowerCase() === value.toLowerCase()));
  const removed = missingFrom(before, after);
  const added = missingFrom(after, before);
  if (removed.length > 0) retyped(`canonicalValues: ${quoted(removed)} removed`);
  if (added.length > 0) other(`canonicalValues: ${quoted(added)} added`);
  const respelled = after.filter((value) => before.some((v) => v !== value && v.toLowerCase() === value.toLowerCase()));
  if (respelled.length > 0) other(`canonicalValues: ${quoted(respelled)} respelled`);
}

function quoted(values: readonly string[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}
