import type { AttributePath, CompareOperator } from './ast.js';
import { isStorableText } from '../resource/storable-text.js';

/**
 * Tokens of the SCIM filter language (RFC 7644 §3.4.2.2, Figure 1), shared by PATCH paths (§3.5.2).
 *
 * Keywords are not reserved: ATTRNAME (RFC 7643 §2.1) admits "and", "not", "pr" or "eq" as
 * attribute names, so a word token only *may* be a keyword and the parser decides from its
 * position. ABNF literals are case-insensitive (RFC 5234 §2.3), hence `keyword` is lower case.
 */
export type Keyword = 'and' | 'or' | 'not' | 'pr' | 'true' | 'false' | 'null' | CompareOperator;

export type Punctuation = '(' | ')' | '[' | ']' | '.';

/** Every token carries `offset`, the 0-based index in the source text (as JSON.parse reports). */
export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly offset: number; readonly keyword: Keyword | undefined }
  | { readonly kind: 'string'; readonly text: string; readonly offset: number; readonly value: string }
  | { readonly kind: 'number'; readonly text: string; readonly offset: number; readonly value: number }
  | { readonly kind: Punctuation; readonly text: string; readonly offset: number }
  | { readonly kind: 'end'; readonly text: ''; readonly offset: number };

export type WordToken = Extract<Token, { readonly kind: 'word' }>;

/** Reports a syntax error at an offset; the caller chooses the ScimError (invalidFilter or invalidPath). */
export type Fail = (offset: number, message: string) => never;

export const COMPARE_OPERATORS: readonly CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/** The filter grammar's keywords, lower case (RFC 7644 §3.4.2.2 reads them in any case). */
export const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  'and',
  'or',
  'not',
  'pr',
  'true',
  'false',
  'null',
  ...COMPARE_OPERATORS,
]);

function isKeyword(word: string): word is Keyword {
  return KEYWORDS.has(word);
}

function isPunctuation(c: string): c is Punctuation {
  return c === '(' || c === ')' || c === '[' || c === ']' || c === '.';
}

/** The ABNF separates tokens with SP; tabs and line breaks are tolerated (the RFC's own examples wrap). */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Characters that end a word or a number. */
function isDelimiter(c: string): boolean {
  return c === '' || isSpace(c) || c === '(' || c === ')' || c === '[' || c === ']' || c === '"';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Quotes a fragment of input for an error message, shortening long ones. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function tokenize(text: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (isSpace(c)) {
      i += 1;
    } else if (isPunctuation(c)) {
      tokens.push({ kind: c, text: c, offset: i });
      i += 1;
    } else if (c === '"') {
      const token = readString(text, i, fail);
      tokens.push(token);
      i += token.text.length;
    } else if (c === '-' || isDigit(c)) {
      const token = readNumber(text, i, fail);
      tokens.push(token);
      i += token.text.length;
    } else {
      // A word runs to the next delimiter; what it may contain is checked where its role is known,
      // so `userName eq bob@example.com` can be reported as an unquoted value, not a stray "@".
      let end = i;
      while (!isDelimiter(text.charAt(end))) end += 1;
      const word = text.slice(i, end);
      const lower = word.toLowerCase();
      tokens.push({ kind: 'word', text: word, offset: i, keyword: isKeyword(lower) ? lower : undefined });
      i = end;
    }
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** A JSON string (RFC 8259 §7): RFC 7644 §3.4.2.2 says "String literals MUST be valid JSON strings". */
function readString(text: string, start: number, fail: Fail): Token {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) fail(start, 'unterminated string: the closing double quote is missing');
    const c = text.charAt(i);
    if (c === '"') break;
    if (c === '\\') {
      const escape = text.charAt(i + 1);
      const simple = SIMPLE_ESCAPES[escape];
      if (simple !== undefined) {
        value += simple;
        i += 2;
      } else if (escape === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) fail(i, 'invalid escape: "\\u" must be followed by four hex digits');
        value += String.fromCharCode(Number.parseInt(hex, 16));
        i += 6;
      } else {
        fail(i, `invalid escape ${quote(`\\${escape}`)} in string (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
      }
    } else if (c < ' ') {
      const code = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      fail(i, `control character U+${code} must be escaped inside a string (RFC 8259 §7)`);
    } else {
      value += c;
      i += 1;
    }
  }
  if (!isStorableText(value))
    fail(start, 'the string holds a NUL or an unpaired surrogate, which no attribute value can contain');
  return { kind: 'string', text: text.slice(start, i + 1), offset: start, value };
}

/** A JSON number (RFC 8259 §6): [ "-" ] int [ frac ] [ exp ], no leading zeros, no "+" sign. */
function readNumber(text: string, start: number, fail: Fail): Token {
  let i = start;
  const digits = (): void => {
    while (isDigit(text.charAt(i))) i += 1;
  };
  if (text.charAt(i) === '-') i += 1;
  if (text.charAt(i) === '0') i += 1;
  else if (isDigit(text.charAt(i))) digits();
  else fail(i, `invalid number: expected a digit after "-"`);
  if (text.charAt(i) === '.') {
    i += 1;
    if (!isDigit(text.charAt(i))) fail(i, 'invalid number: expected a digit after the decimal point');
    digits();
  }
  if (text.charAt(i) === 'e' || text.charAt(i) === 'E') {
    i += 1;
    if (text.charAt(i) === '+' || text.charAt(i) === '-') i += 1;
    if (!isDigit(text.charAt(i))) fail(i, 'invalid number: expected a digit in the exponent');
    digits();
  }
  if (!isDelimiter(text.charAt(i))) {
    let end = i;
    while (!isDelimiter(text.charAt(end))) end += 1;
    fail(start, `${quote(text.slice(start, end))} is not a valid number (JSON number syntax, RFC 8259 §6)`);
  }
  const source = text.slice(start, i);
  const value = Number(source);
  if (!Number.isFinite(value)) fail(start, `the number ${quote(source)} is out of range`);
  return { kind: 'number', text: source, offset: start, value };
}

/** ATTRNAME = ALPHA *(nameChar); nameChar = "-" / "_" / DIGIT / ALPHA (RFC 7643 §2.1). */
const ATTRNAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** "$ref" is the one sub-attribute name outside ATTRNAME (RFC 7643 §2.3.7, e.g. members.$ref). */
export function isSubAttributeName(name: string): boolean {
  return ATTRNAME.test(name) || name.toLowerCase() === '$ref';
}

/**
 * A schema URI prefix (RFC 7644 §3.10): a URI scheme and at least one further ":"-separated
 * segment, e.g. "urn:ietf:params:scim:schemas:core:2.0:User". Segments may contain "." ("2.0").
 */
const SCHEMA_URI = /^[A-Za-z][A-Za-z0-9+.-]*(?::[A-Za-z0-9._~+-]+)+$/;

/**
 * attrPath = [URI ":"] ATTRNAME *1subAttr (RFC 7644 §3.4.2.2). An attribute name contains no ":",
 * so the URI is everything before the last ":" — the URI itself contains ":" and "." ("2.0").
 */
export function readAttributePath(word: WordToken, fail: Fail): AttributePath {
  const { text, offset } = word;
  const colon = text.lastIndexOf(':');
  const schema = colon < 0 ? undefined : text.slice(0, colon);
  if (schema === '') fail(offset, 'expected a schema URI before ":"');
  if (schema !== undefined && !SCHEMA_URI.test(schema)) {
    fail(offset, `${quote(schema)} is not a valid schema URI prefix (RFC 7644 §3.10)`);
  }
  const rest = text.slice(colon + 1);
  const restOffset = offset + colon + 1;
  const [attribute = '', subAttribute, ...more] = rest.split('.');
  if (attribute === '') {
    fail(
      restOffset,
      schema === undefined ? 'expected an attribute name' : `expected an attribute name after "${schema}:"`,
    );
  }
  if (!ATTRNAME.test(attribute)) {
    fail(
      restOffset,
      `${quote(attribute)} is not a valid attribute name: it must start with a letter and contain only letters, digits, "-" and "_" (RFC 7643 §2.1)`,
    );
  }
  if (subAttribute === undefined) return schema === undefined ? { attribute } : { schema, attribute };
  const subOffset = restOffset + attribute.length + 1;
  if (more.length > 0) {
    fail(
      subOffset + subAttribute.length,
      `${quote(text)} names more than one sub-attribute; an attribute path has at most one (RFC 7644 §3.10)`,
    );
  }
  if (subAttribute === '') fail(subOffset, `expected a sub-attribute name after ${quote(`${attribute}.`)}`);
  if (!isSubAttributeName(subAttribute)) {
    fail(subOffset, `${quote(subAttribute)} is not a valid sub-attribute name (RFC 7643 §2.1)`);
  }
  return schema === undefined ? { attribute, subAttribute } : { schema, attribute, subAttribute };
}
