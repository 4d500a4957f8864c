import type { AttributePath, Filter } from '../scim/filter/ast.js';
import { formatFilter, formatPatchPath } from '../scim/filter/format.js';
import { COMPARE_OPERATORS, KEYWORDS, tokenize, type Token, type WordToken } from '../scim/filter/lexer.js';
import { parseFilter, parsePatchPath } from '../scim/filter/parse.js';
import type { JsonValue } from '../scim/resource/json.js';

/**
 * What the tenant's request log keeps of a request: the SCIM `password` attribute (RFC 7643
 * §4.1.1) and any other secret-named value replaced, wherever a request can carry it. Keys are
 * only half of it: a PATCH names its target in `path` (RFC 7644 §3.5.2) and a filter compares an
 * attribute with a literal (§3.4.2.2), so the value to hide sits under "value" or inside a string.
 */

export const REDACTED = '[redacted]';
export const TOO_DEEP = '[too deeply nested]';

/**
 * Names whose values never reach the log: SCIM passwords, bearer tokens, webhook secrets. Matched
 * anywhere in a name and in any case (RFC 7643 §2.1), so "PassWord" and
 * "urn:ietf:params:scim:schemas:core:2.0:User:password" are caught too.
 */
const SECRET_NAME = /password|secret|token/i;

/**
 * No SCIM message nests anywhere near this deep (a Bulk PATCH of a complex extension attribute is
 * about 8), and it bounds the copy's recursion: a body nested 100k levels deep is still logged.
 */
const MAX_DEPTH = 64;

/**
 * An error quotes what it refused cut at 40 or 80 characters and "…" (lexer.ts quote(),
 * validate.ts describe()): the start of a secret before an ellipsis is hidden too.
 */
const ELLIPSIS = '…';
const MAX_CUT_PREFIX = 128;

/**
 * The values a redaction took out of a request, so that they can be taken out of its response
 * too: an error's "detail" quotes the filter, path or value it refused (scim/filter/parse.ts,
 * scim/resource/validate.ts), and a Bulk response carries one such error per operation.
 */
export type TakenValues = Set<string>;

/**
 * A copy of a request body with secret values replaced, the structure kept so the log stays
 * readable: a PATCH operation keeps its "op" and "path", a user its other attributes.
 * - a member whose name is secret-named (any depth: a resource, a pathless PATCH "value", an
 *   extension object, a Bulk operation's "data");
 * - the "value" of an object whose "path" names a secret attribute (PATCH operations, also in Bulk);
 * - literals compared with a secret attribute in a "path" value filter or a "filter" (.search);
 * - a Bulk operation's "path" with a query is treated as a URL (see redactedPath).
 * Member names are matched case-insensitively: so does the service (message-members.ts).
 */
export function redactedRequestBody(body: JsonValue, taken: TakenValues = new Set()): JsonValue {
  return copy(body, 0, taken);
}

/**
 * The request URL as the log keeps it: a `filter` query parameter (RFC 7644 §3.4.2.2) has the
 * literals compared with a secret attribute replaced, a secret-named parameter its value; the
 * rest is kept as sent.
 */
export function redactedPath(url: string, taken: TakenValues = new Set()): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const params = url.slice(question + 1).split('&');
  const kept: string[] = [];
  let changed = false;
  for (const [index, param] of params.entries()) {
    const equals = param.indexOf('=');
    const rawName = equals < 0 ? param : param.slice(0, equals);
    const name = equals < 0 ? undefined : decodedQueryPart(rawName);
    const rawValue = param.slice(equals + 1);
    // SCIM defines no such parameter, but a client that sends one means it (the body's key rule).
    if (name !== undefined && SECRET_NAME.test(name)) {
      takeWords(decodedQueryPart(rawValue) ?? rawValue, taken);
      kept.push(`${rawName}=${encodeURIComponent(REDACTED)}`);
      changed = true;
      continue;
    }
    if (name?.toLowerCase() !== 'filter') {
      kept.push(param);
      continue;
    }
    const text = decodedQueryPart(rawValue);
    const redacted = text === undefined ? undefined : redactedFilterText(text, 'filter', taken);
    if (redacted === undefined || !redacted.lexed) {
      // Undecodable, or a literal that never closes: a literal can run on past an unencoded "&",
      // so the rest of the query may hold the remainder of the password. None of it is kept.
      const rest = params.slice(index).join('&');
      takeWords(decodedQueryPart(rest) ?? rest, taken);
      kept.push(`${rawName}=${encodeURIComponent(REDACTED)}`);
      changed = true;
      break;
    }
    if (redacted.text === text) {
      kept.push(param);
    } else {
      kept.push(`${rawName}=${encodeURIComponent(redacted.text)}`);
      changed = true;
    }
  }
  return changed ? `${url.slice(0, question)}?${kept.join('&')}` : url;
}

/**
 * A response body without the values taken out of its request. Nothing to do for almost every
 * request; for one that carried a password, the (JSON) response is read and every string in it
 * scrubbed, which keeps it JSON; a response that is not whole JSON is scrubbed as text.
 */
export function scrubbedResponse(text: string, taken: ReadonlySet<string>): string {
  if (taken.size === 0) return text;
  const forms = formsOf(taken);
  // Most responses quote nothing of their request (a created user never shows its password):
  // a scan of the text spares them the parse.
  if (!text.includes(ELLIPSIS) && !forms.some((form) => text.includes(form))) return text;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    return scrubbed(text, forms);
  }
  return JSON.stringify(scrubbedJson(parsed, forms, 0));
}

function copy(value: JsonValue, depth: number, taken: TakenValues): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1, taken));
  const entries: [string, JsonValue][] = [];
  // Where a "value" member sits, to replace once the whole object has shown whether its "path"
  // names a secret: members come in any order.
  let valueAt: number[] | undefined;
  let secretPath = false;
  for (const [key, inner] of Object.entries(value)) {
    if (SECRET_NAME.test(key)) {
      takeLeaves(inner, depth + 1, taken);
      entries.push([key, REDACTED]);
      continue;
    }
    const name = messageMember(key);
    if (name === 'path' && typeof inner === 'string') {
      if (inner.startsWith('/')) {
        entries.push([key, redactedPath(inner, taken)]);
      } else {
        const redacted = redactedFilterText(inner, 'path', taken);
        secretPath ||= redacted.namesSecret;
        entries.push([key, redacted.text]);
      }
      continue;
    }
    if (name === 'filter' && typeof inner === 'string') {
      entries.push([key, redactedFilterText(inner, 'filter', taken).text]);
      continue;
    }
    if (name === 'value') (valueAt ??= []).push(entries.length);
    entries.push([key, copy(inner, depth + 1, taken)]);
  }
  if (secretPath && valueAt !== undefined) {
    for (const index of valueAt) {
      const entry = entries[index];
      if (entry === undefined) continue;
      takeLeaves(value[entry[0]] ?? null, depth + 1, taken);
      entry[1] = REDACTED;
    }
  }
  // fromEntries defines own members, so a "__proto__" key stays data, as JSON.parse made it.
  return Object.fromEntries(entries);
}

/**
 * "path", "filter" or "value" in any case (RFC 7643 §2.1), else undefined. This runs for every
 * member of every logged body, so the exact spelling is tried before a lower-cased copy is made.
 */
function messageMember(key: string): 'path' | 'filter' | 'value' | undefined {
  if (key === 'path' || key === 'filter' || key === 'value') return key;
  if (key.length !== 4 && key.length !== 5 && key.length !== 6) return undefined;
  const lower = key.toLowerCase();
  return lower === 'path' || lower === 'filter' || lower === 'value' ? lower : undefined;
}

/** Every string and number of a secret value (a password is a string; a client may send any JSON). */
function takeLeaves(value: JsonValue | undefined, depth: number, taken: TakenValues): void {
  if (typeof value === 'string') take(value, taken);
  else if (typeof value === 'number') take(String(value), taken);
  else if (value !== null && typeof value === 'object' && depth < MAX_DEPTH) {
    for (const inner of Array.isArray(value) ? value : Object.values(value)) takeLeaves(inner, depth + 1, taken);
  }
}

function take(value: string, taken: TakenValues): void {
  if (value !== '') taken.add(value);
}

const NOT_A_SECRET = /^(?:filter|(?:[^\s]*:)?(?:password|secret|token))$/i;

/**
 * For text that could not be read: every piece of it that could be (part of) a secret. Keywords,
 * the parameter's name and the secret attribute's own name are left out: the response's words
 * ("request", "filter", "password") are not to be garbled.
 */
function takeWords(text: string, taken: TakenValues): void {
  for (const piece of text.split(/[\s&=]+/)) {
    const word = piece.replace(/^["()[\]]+|["()[\]]+$/g, '');
    if (!KEYWORDS.has(word.toLowerCase()) && !NOT_A_SECRET.test(word)) take(word, taken);
  }
}

function decodedQueryPart(text: string): string | undefined {
  try {
    // "+" is a space in a query (the form encoding, as Fastify's query parser reads it).
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

interface RedactedText {
  readonly text: string;
  /** Whether an attribute named in the text is secret-named: a PATCH op's "value" is then hidden. */
  readonly namesSecret: boolean;
  /** False when the text could not even be split into tokens (an unterminated literal). */
  readonly lexed: boolean;
}

/**
 * A filter or PATCH path with every literal compared with a secret attribute replaced: in
 * `password eq "x"`, `password[value eq "x"]` and `emails[password eq "x"]` alike. Text that does
 * not parse (the service answered 400) is redacted conservatively, as every literal in it.
 */
function redactedFilterText(text: string, kind: 'filter' | 'path', taken: TakenValues): RedactedText {
  // The cheap test first: most filters and paths name no secret and are kept as they are.
  if (!SECRET_NAME.test(text)) return { text, namesSecret: false, lexed: true };
  try {
    return kind === 'filter' ? redactedParsedFilter(text, taken) : redactedParsedPath(text, taken);
  } catch {
    const literals = redactedLiterals(text, taken);
    if (literals !== undefined) return { text: literals, namesSecret: true, lexed: true };
    takeWords(text, taken);
    return { text: REDACTED, namesSecret: true, lexed: false };
  }
}

interface FilterFindings {
  secret: boolean;
  redacted: boolean;
  readonly taken: TakenValues;
}

/** Throws what parseFilter throws. */
function redactedParsedFilter(text: string, taken: TakenValues): RedactedText {
  // The lenient form (compat rule filter-value-path-sub-attribute) is accepted too: the service
  // may have accepted it, and the log must read the filter the way the service did.
  const parsed = parseFilter(text, { onValuePathSubAttribute: () => undefined });
  const found: FilterFindings = { secret: false, redacted: false, taken };
  const filter = redactedFilter(parsed, false, found);
  return { text: found.redacted ? formatFilter(filter) : text, namesSecret: found.secret, lexed: true };
}

/** Throws what parsePatchPath throws. */
function redactedParsedPath(text: string, taken: TakenValues): RedactedText {
  const parsed = parsePatchPath(text);
  const target = namesSecret(parsed.path) || SECRET_NAME.test(parsed.subAttribute ?? '');
  if (parsed.filter === undefined) return { text, namesSecret: target, lexed: true };
  const found: FilterFindings = { secret: false, redacted: false, taken };
  const filter = redactedFilter(parsed.filter, target, found);
  return {
    text: found.redacted ? formatPatchPath({ ...parsed, filter }) : text,
    namesSecret: target || found.secret,
    lexed: true,
  };
}

/** `within`: inside the brackets of a secret attribute, where every comparison is about it. */
function redactedFilter(filter: Filter, within: boolean, found: FilterFindings): Filter {
  switch (filter.kind) {
    case 'compare': {
      const secret = within || namesSecret(filter.path);
      if (!secret) return filter;
      found.secret = true;
      found.redacted = true;
      if (typeof filter.value === 'string' || typeof filter.value === 'number') take(String(filter.value), found.taken);
      return { ...filter, value: REDACTED };
    }
    case 'present':
      if (namesSecret(filter.path)) found.secret = true;
      return filter;
    case 'and':
    case 'or':
      return {
        ...filter,
        left: redactedFilter(filter.left, within, found),
        right: redactedFilter(filter.right, within, found),
      };
    case 'not':
      return { ...filter, filter: redactedFilter(filter.filter, within, found) };
    case 'valuePath': {
      const secret = within || namesSecret(filter.path);
      if (secret) found.secret = true;
      return { ...filter, filter: redactedFilter(filter.filter, secret, found) };
    }
  }
}

/** The schema URN is not an attribute name: only the attribute and its sub-attribute count. */
function namesSecret(path: AttributePath): boolean {
  return SECRET_NAME.test(path.attribute) || SECRET_NAME.test(path.subAttribute ?? '');
}

/**
 * Every literal replaced, for text that mentions a secret and does not parse: strings, numbers,
 * and the words after a comparison operator (an unquoted `password eq hunter2`, which the
 * service refuses but a client may still send). Undefined when the text does not even lex.
 */
function redactedLiterals(text: string, taken: TakenValues): string | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(text, (offset, message) => {
      throw new SyntaxError(`${message} at ${offset}`);
    });
  } catch {
    return undefined;
  }
  const quoted = JSON.stringify(REDACTED);
  let result = '';
  let from = 0;
  let previous: 'operator' | 'literal' | 'other' = 'other';
  for (const token of tokens) {
    const literal =
      token.kind === 'string' ||
      token.kind === 'number' ||
      (token.kind === 'word' && (previous === 'operator' || (previous === 'literal' && token.keyword === undefined)));
    if (literal) {
      // The source text too: an error quotes what was sent, escapes and all.
      take(token.kind === 'string' ? token.text.slice(1, -1) : token.text, taken);
      if (token.kind === 'string') take(token.value, taken);
      result += text.slice(from, token.offset) + quoted;
      from = token.offset + token.text.length;
      previous = 'literal';
    } else {
      previous = token.kind === 'word' && isCompareOperator(token) ? 'operator' : 'other';
    }
  }
  return result + text.slice(from);
}

function isCompareOperator(token: WordToken): boolean {
  return COMPARE_OPERATORS.some((operator) => operator === token.keyword);
}

/**
 * How a taken value can appear in a response: as it is, and JSON-escaped once, twice or three
 * times (a detail quotes the source text with JSON.stringify, and the response is JSON again).
 * Longest first, so that a value is replaced before a shorter one inside it.
 */
function formsOf(taken: ReadonlySet<string>): string[] {
  const forms = new Set<string>();
  for (const value of taken) {
    let form = value;
    for (let level = 0; level < 4; level += 1) {
      forms.add(form);
      form = JSON.stringify(form).slice(1, -1);
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

function scrubbedJson(value: JsonValue, forms: readonly string[], depth: number): JsonValue {
  if (typeof value === 'string') return scrubbed(value, forms);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => scrubbedJson(item, forms, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [scrubbed(key, forms), scrubbedJson(inner, forms, depth + 1)]),
  );
}

function scrubbed(text: string, forms: readonly string[]): string {
  let result = text;
  for (const form of forms) {
    if (result.includes(form)) result = result.replaceAll(form, REDACTED);
    let at = result.indexOf(ELLIPSIS);
    while (at >= 0) {
      let length = Math.min(form.length - 1, at, MAX_CUT_PREFIX);
      while (length > 0 && !result.startsWith(form.slice(0, length), at - length)) length -= 1;
      if (length > 0) {
        result = result.slice(0, at - length) + REDACTED + result.slice(at);
        at += REDACTED.length - length;
      }
      at = result.indexOf(ELLIPSIS, at + 1);
    }
  }
  return result;
}
