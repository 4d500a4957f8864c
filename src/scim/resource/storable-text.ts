// NUL cannot be stored in PostgreSQL text or jsonb, and a lone UTF-16 surrogate is not a
// character at all (RFC 8259 §8.1 requires UTF-8 text): both are refused as client errors.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string can be stored and compared as text. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}
