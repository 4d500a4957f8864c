import { ScimError } from '../errors.js';
import type { AttributePath, CompareOperator, CompareValue, Filter, PatchPath } from './ast.js';
import {
  COMPARE_OPERATORS,
  isSubAttributeName,
  quote,
  readAttributePath,
  tokenize,
  type Token,
  type WordToken,
} from './lexer.js';

/** Limits that keep a hostile filter from costing more than a legitimate one ever needs. */
const MAX_LENGTH = 10_000;
const MAX_DEPTH = 50;

/**
 * Parses a filter (RFC 7644 §3.4.2.2, Figure 1). Precedence follows the RFC's order of
 * operations: "not" over "and" over "or"; "and" and "or" associate to the left.
 * Throws ScimError 400 invalidFilter naming the 0-based position of the problem.
 */
export interface FilterParseOptions {
  /**
   * Accept `emails[type eq "work"].value eq "x"` as `emails[type eq "work" and value eq "x"]`
   * (compat rule filter-value-path-sub-attribute), calling this when it did.
   */
  readonly onValuePathSubAttribute?: () => void;
}

export function parseFilter(text: string, options: FilterParseOptions = {}): Filter {
  const parser = new Parser(text, 'filter', options);
  const filter = parser.filter(undefined);
  parser.end();
  return filter;
}

export interface PatchPathOptions {
  /**
   * The schema URNs of the resource type (core and extensions). A path that is exactly one of
   * them (compared case-insensitively, RFC 7643 §2.1) names the whole extension object.
   */
  readonly schemaUrns?: Iterable<string>;
}

/**
 * Parses a PATCH path (RFC 7644 §3.5.2, Figure 7): PATH = attrPath / valuePath [subAttr].
 * Throws ScimError 400 invalidPath naming the 0-based position of the problem.
 *
 * A bare schema URN such as "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" is
 * syntactically also an attrPath (schema "…:2.0", attribute "User"): only the schema registry can
 * tell them apart. So a path equal to one of `options.schemaUrns` becomes
 * `{ path: { schema: <the URN as written>, attribute: '' } }`, the empty attribute meaning "the
 * whole object of that schema"; without the list such a path is read by the attrPath rule.
 */
export function parsePatchPath(text: string, options: PatchPathOptions = {}): PatchPath {
  return new Parser(text, 'path').patchPath(options.schemaUrns ?? []);
}

/** Inside "[...]" attribute names are relative to the attribute in front of the bracket. */
interface Scope {
  readonly parent: string;
}

class Parser {
  private readonly tokens: readonly Token[];
  private readonly endToken: Token;
  private index = 0;
  private depth = 0;

  constructor(
    text: string,
    private readonly subject: 'filter' | 'path',
    private readonly options: FilterParseOptions = {},
  ) {
    if (text.length > MAX_LENGTH) this.fail(MAX_LENGTH, `the ${subject} is longer than ${MAX_LENGTH} characters`);
    this.tokens = tokenize(text, (offset, message) => this.fail(offset, message));
    this.endToken = { kind: 'end', text: '', offset: text.length };
    if (this.peek().kind === 'end') this.fail(0, `the ${subject} is empty`);
  }

  private fail(offset: number, message: string): never {
    const scimType = this.subject === 'filter' ? 'invalidFilter' : 'invalidPath';
    throw new ScimError(400, scimType, `Invalid ${this.subject} at position ${offset}: ${message}`);
  }

  /** FILTER, or valFilter inside brackets: or-terms of and-terms ("and" binds tighter, §3.4.2.2). */
  filter(scope: Scope | undefined): Filter {
    let left = this.conjunction(scope);
    while (this.peekKeyword('or')) {
      this.index += 1;
      left = { kind: 'or', left, right: this.conjunction(scope) };
    }
    return left;
  }

  private conjunction(scope: Scope | undefined): Filter {
    let left = this.term(scope);
    while (this.peekKeyword('and')) {
      this.index += 1;
      left = { kind: 'and', left, right: this.term(scope) };
    }
    return left;
  }

  /** "(" FILTER ")" / "not" "(" FILTER ")" / attrExp / valuePath. */
  private term(scope: Scope | undefined): Filter {
    const token = this.next();
    if (token.kind === '(') return this.group(token, scope);
    if (token.kind !== 'word') {
      this.fail(token.offset, `expected an attribute name, "not (" or "(", found ${this.describe(token)}`);
    }
    const after = this.peek();
    if (token.keyword === 'not' && after.kind === '(') return { kind: 'not', filter: this.group(this.next(), scope) };
    // "not", "and" and "or" are legal attribute names too; only an operator or "[" after one makes it a name.
    const named = after.kind === '[' || (after.kind === 'word' && this.isOperator(after));
    if (token.keyword === 'not' && !named) {
      this.fail(after.offset, `"not" must be followed by a filter in parentheses, e.g. not (title pr)`);
    }
    if ((token.keyword === 'and' || token.keyword === 'or') && !named) {
      this.fail(token.offset, `expected an attribute name, "not (" or "(", found ${this.describe(token)}`);
    }
    const path =
      scope === undefined ? readAttributePath(token, (o, m) => this.fail(o, m)) : this.relative(token, scope);
    if (this.peek().kind === '[') return this.valuePath(token, path, scope);
    return this.comparison(token, path);
  }

  private group(open: Token, scope: Scope | undefined): Filter {
    this.enter(open);
    const inner = this.filter(scope);
    this.close(open, ')');
    return inner;
  }

  /** valuePath = attrPath "[" valFilter "]"; valFilter admits no further valuePath. */
  private valuePath(word: Token, path: AttributePath, scope: Scope | undefined): Filter {
    const open = this.next();
    if (scope !== undefined) {
      this.fail(
        open.offset,
        `value filters cannot be nested: ${quote(word.text)} is already inside ${quote(`${scope.parent}[`)}`,
      );
    }
    const inner = this.bracket(word, path, open);
    const dot = this.peek();
    if (this.options.onValuePathSubAttribute !== undefined && dot.kind === '.') {
      // Not RFC 7644 filter syntax (a sub-attribute after "]" belongs to PATCH paths), but what
      // some providers send: the comparison applies to the same element.
      this.index += 1;
      const name = this.next();
      if (name.kind !== 'word')
        this.fail(name.offset, `expected a sub-attribute name after ".", found ${this.describe(name)}`);
      const comparison = this.comparison(name, this.relative(name, { parent: word.text }));
      this.options.onValuePathSubAttribute();
      return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: comparison } };
    }
    return { kind: 'valuePath', path, filter: inner };
  }

  private bracket(word: Token, path: AttributePath, open: Token): Filter {
    // A complex attribute's sub-attributes are never complex (RFC 7643 §2.3.8), so "a.b[...]" selects nothing.
    if (path.subAttribute !== undefined) {
      this.fail(
        open.offset,
        `a value filter applies to a multi-valued attribute, not to the sub-attribute ${quote(word.text)}`,
      );
    }
    this.enter(open);
    const inner = this.filter({ parent: word.text });
    this.close(open, ']');
    return inner;
  }

  /** attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue). */
  private comparison(word: Token, path: AttributePath): Filter {
    const operator = this.next();
    if (operator.kind === 'word' && operator.keyword === 'pr') {
      const after = this.peek();
      if (this.isValue(after)) {
        this.fail(after.offset, `"pr" (present) takes no value, found ${this.describe(after)}`);
      }
      return { kind: 'present', path };
    }
    const compare = operator.kind === 'word' ? this.compareOperator(operator) : undefined;
    if (compare === undefined) {
      this.fail(
        operator.offset,
        `expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after ${quote(word.text)}, found ${this.describe(operator)}`,
      );
    }
    return { kind: 'compare', path, operator: compare, value: this.value(operator) };
  }

  /** compValue = false / null / true / number / string (JSON, RFC 8259). */
  private value(operator: Token): CompareValue {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'word' && token.keyword === 'true') return true;
    if (token.kind === 'word' && token.keyword === 'false') return false;
    if (token.kind === 'word' && token.keyword === 'null') return null;
    const unquoted = token.text.replace(/^'(.*)'$/s, '$1');
    const hint = token.kind === 'word' ? `; text must be in double quotes, e.g. ${JSON.stringify(unquoted)}` : '';
    return this.fail(
      token.offset,
      `expected a value after ${quote(operator.text)} (a string in double quotes, a number, true, false or null), found ${this.describe(token)}${hint}`,
    );
  }

  /** Inside brackets a name is a sub-attribute of the bracketed attribute: no URI, no further ".". */
  private relative(word: Token, scope: Scope): AttributePath {
    if (isSubAttributeName(word.text)) return { attribute: word.text };
    const reason = word.text.includes(':')
      ? 'a schema URI is not allowed there'
      : word.text.includes('.')
        ? 'a sub-attribute has no sub-attributes (RFC 7643 §2.3.8)'
        : 'it is not a valid attribute name (RFC 7643 §2.1)';
    return this.fail(
      word.offset,
      `inside ${quote(`${scope.parent}[...]`)} names are sub-attributes of ${quote(scope.parent)}, such as "type" or "value"; ${quote(word.text)} is not one: ${reason}`,
    );
  }

  /** PATH = attrPath / valuePath [subAttr] (§3.5.2, Figure 7). */
  patchPath(schemaUrns: Iterable<string>): PatchPath {
    const word = this.next();
    if (word.kind !== 'word') this.fail(word.offset, `expected an attribute name, found ${this.describe(word)}`);
    const lower = word.text.toLowerCase();
    if ([...schemaUrns].some((urn) => urn.toLowerCase() === lower)) {
      const after = this.peek();
      if (after.kind !== 'end') {
        this.fail(
          after.offset,
          `the schema URI ${quote(word.text)} names a whole extension; found ${this.describe(after)} after it`,
        );
      }
      return { path: { schema: word.text, attribute: '' } };
    }
    const path = readAttributePath(word, (o, m) => this.fail(o, m));
    const open = this.peek();
    if (open.kind !== '[') {
      this.end();
      return { path };
    }
    this.index += 1;
    const filter = this.bracket(word, path, open);
    const dot = this.peek();
    if (dot.kind !== '.') {
      this.end();
      return { path, filter };
    }
    this.index += 1;
    const name = this.next();
    if (name.kind === 'word' && name.text.includes('.')) {
      this.fail(name.offset + name.text.indexOf('.'), `${quote(word.text)} takes at most one sub-attribute after "]"`);
    }
    if (name.kind !== 'word' || !isSubAttributeName(name.text)) {
      this.fail(name.offset, `expected a sub-attribute name after "].", found ${this.describe(name)}`);
    }
    this.end();
    return { path, filter, subAttribute: name.text };
  }

  /** The whole input must be consumed; say why the next token cannot continue it. */
  end(): void {
    const token = this.peek();
    if (token.kind === 'end') return;
    if (token.kind === ')') this.fail(token.offset, 'unbalanced parentheses: this ")" has no matching "("');
    if (token.kind === ']') this.fail(token.offset, 'unbalanced brackets: this "]" has no matching "["');
    if (this.subject === 'filter') {
      const previous = this.tokens[this.index - 1];
      if (token.kind === '.' && previous?.kind === ']') {
        this.fail(
          token.offset,
          'a sub-attribute after "]" is allowed in PATCH paths (RFC 7644 §3.5.2), not in filters',
        );
      }
      this.fail(token.offset, `expected "and", "or" or the end of the filter, found ${this.describe(token)}`);
    }
    if (token.kind === 'word' && this.isOperator(token)) {
      this.fail(
        token.offset,
        `a PATCH path cannot be a comparison; select values with a filter in brackets, e.g. emails[type eq "work"]`,
      );
    }
    this.fail(token.offset, `expected the end of the path, found ${this.describe(token)}`);
  }

  private close(open: Token, kind: ')' | ']'): void {
    const token = this.next();
    if (token.kind !== kind) {
      this.fail(
        token.offset,
        `expected "and", "or" or "${kind}" to close the "${open.text}" at position ${open.offset}, found ${this.describe(token)}`,
      );
    }
    this.depth -= 1;
  }

  private enter(open: Token): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      this.fail(open.offset, `nesting is deeper than ${MAX_DEPTH} levels of parentheses and brackets`);
    }
  }

  private compareOperator(token: WordToken): CompareOperator | undefined {
    return COMPARE_OPERATORS.find((op) => op === token.keyword);
  }

  private isOperator(token: WordToken): boolean {
    return token.keyword === 'pr' || this.compareOperator(token) !== undefined;
  }

  private isValue(token: Token): boolean {
    if (token.kind === 'string' || token.kind === 'number') return true;
    return token.kind === 'word' && (token.keyword === 'true' || token.keyword === 'false' || token.keyword === 'null');
  }

  private peekKeyword(keyword: 'and' | 'or'): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.keyword === keyword;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? this.endToken;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private describe(token: Token): string {
    if (token.kind === 'end') return `the end of the ${this.subject}`;
    // A string token shows as written: it already has its quotes.
    if (token.kind === 'string') return token.text.length > 40 ? `${token.text.slice(0, 40)}…"` : token.text;
    return quote(token.text);
  }
}
