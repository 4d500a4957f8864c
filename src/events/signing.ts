import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, spec version 1.0.0), symmetric
 * scheme only. Section names below are those of spec/standard-webhooks.md.
 */

export type WebhookHeaderName = 'webhook-id' | 'webhook-timestamp' | 'webhook-signature';
export type WebhookHeaders = Record<WebhookHeaderName, string>;
/** The secrets one delivery is signed with: the current one first, then any still in their overlap. */
export type SigningSecrets = readonly [string, ...string[]];

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way. */
  readonly toleranceSeconds?: number;
  /** Milliseconds since the epoch, as Date.now. */
  readonly now?: () => number;
}

// "Signature scheme", secret serialization: the prefix identifies the scheme to whoever holds the secret.
const SECRET_PREFIX = 'whsec_';
// "Signature scheme" asks for at least 24 bytes; RFC 2104 §3 advises no fewer than the hash's output, 32 for SHA-256.
const SECRET_BYTES = 32;
// "Verifying signatures" asks for a tolerance without naming one; 5 minutes is what the reference libraries use.
const DEFAULT_TOLERANCE_SECONDS = 300;
// Strict, unlike Buffer.from(…, 'base64'), so a mangled secret is refused rather than silently becoming another key.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new signing secret, to be shown to the app once; "Additional considerations" wants one per endpoint. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The `webhook-signature` header value for one delivery attempt. `timestamp` is in seconds since the epoch. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = decodeSecret(secret);
  if (key === undefined) throw new TypeError('The webhook secret is not whsec_ followed by base64');
  // "Signature scheme": a full stop in the id would let one signed content be read as another (id, timestamp) split.
  if (id === '' || id.includes('.')) throw new RangeError('A webhook id must be non-empty and contain no full stop');
  // "Webhook headers": the timestamp is an integer number of seconds.
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('A webhook timestamp must be whole seconds since the epoch');
  }
  return `v1,${hmac(key, id, String(timestamp), body)}`;
}

/**
 * The three headers a delivery carries ("Webhook headers"). With several secrets the signature
 * header lists one signature per secret, space-separated, as "Webhook headers" allows for zero-
 * downtime rotation: a receiver holding any one of the secrets verifies the delivery.
 */
export function webhookHeaders(
  secrets: string | SigningSecrets,
  id: string,
  timestamp: number,
  body: string,
): WebhookHeaders {
  const list: readonly string[] = typeof secrets === 'string' ? [secrets] : secrets;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': list.map((secret) => signWebhook(secret, id, timestamp, body)).join(' '),
  };
}

/**
 * Whether a delivery is authentic and fresh, for the receiving app. `body` must be the raw
 * request body: the spec's "Signature scheme" warns that parsing and re-serialising JSON breaks
 * the signature. Returns false, never throws, for anything malformed, since a receiver answers
 * every kind of bad delivery the same way.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: VerifyWebhookOptions = {},
): boolean {
  try {
    const key = decodeSecret(secret);
    const id = single(headerValues(headers, 'webhook-id'));
    const timestamp = single(headerValues(headers, 'webhook-timestamp'));
    // A list on both levels: the header is space-separated, and a repeated header adds to the list.
    const signatures = headerValues(headers, 'webhook-signature').join(' ');
    if (key === undefined || id === undefined || timestamp === undefined || signatures === '') return false;
    if (!/^[0-9]+$/.test(timestamp)) return false;

    // "Verifying signatures": the timestamp bounds how long a captured delivery can be replayed.
    // Written as !(x <= y) so that a NaN from a bad clock or tolerance rejects instead of passing.
    const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
    if (!(Math.abs(nowSeconds - Number(timestamp)) <= tolerance)) return false;

    const expected = Buffer.from(hmac(key, id, timestamp, body));
    // "Webhook headers": several signatures allow zero-downtime secret rotation, so any one v1 match is enough;
    // other identifiers (v1a is the asymmetric scheme) are not ours to check.
    return signatures.split(' ').some((entry) => {
      const comma = entry.indexOf(',');
      if (comma === -1 || entry.slice(0, comma) !== 'v1') return false;
      const candidate = Buffer.from(entry.slice(comma + 1));
      // "Verifying signatures": a constant-time comparison, lest the receiver become a signing oracle.
      // Only the length, which is public, is compared early, since timingSafeEqual needs equal lengths.
      return candidate.length === expected.length && timingSafeEqual(candidate, expected);
    });
  } catch {
    return false;
  }
}

/** "Signature scheme": the content signed is `{msg_id}.{timestamp}.{payload}`. */
function hmac(key: Buffer, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The HMAC key, or undefined when the secret is not base64 (the `whsec_` prefix being optional). */
function decodeSecret(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return encoded !== '' && BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
}

/** Every value given for a header, whatever the case of its name; HTTP header names are case-insensitive. */
function headerValues(headers: Record<string, string | string[] | undefined>, name: WebhookHeaderName): string[] {
  return Object.entries(headers)
    .filter(([key]) => key.toLowerCase() === name)
    .flatMap(([, value]) => (value === undefined ? [] : value));
}

/** The one value of a header that must not repeat: two ids or timestamps leave no way to tell which was signed. */
function single(values: string[]): string | undefined {
  return values.length === 1 && values[0] !== '' ? values[0] : undefined;
}
