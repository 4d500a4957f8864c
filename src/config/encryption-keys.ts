import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * One key of a keyring. Its id is written beside every value it encrypts, so a stored value
 * names the key it needs. The key is a KeyObject, whose bytes never show in a log line,
 * util.inspect or JSON.stringify.
 */
export interface EncryptionKey {
  readonly id: string;
  readonly key: KeyObject;
}

/** The first key encrypts; every key decrypts (docs/decisions/0006-webhook-secrets-encrypted-at-rest.md). */
export type Keyring = readonly [EncryptionKey, ...EncryptionKey[]];

// AES-256 takes 32-byte keys.
const KEY_BYTES = 32;
// The id goes into stored values between colons, so it must not contain one.
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
// Standard or URL-safe base64, padded or not; Buffer.from(…, 'base64') reads both, and would
// silently skip any other character, turning a mangled key into another one.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Reads `keyId:base64key,keyId:base64key,…`. Problems never quote a key, nor an entry that
 * might be one; they name the entry by position and, once it parsed, by its id.
 */
export function parseKeyring(text: string): { readonly keyring: Keyring } | { readonly problems: readonly string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  const entries = text.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon === -1) {
      problems.push(`${position} must be <keyId>:<base64 of ${KEY_BYTES} random bytes>`);
      return;
    }
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) {
      problems.push(`${position}: the key id must be 1 to 32 of A-Z, a-z, 0-9, _ and -`);
      return;
    }
    const bytes = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (bytes?.length !== KEY_BYTES) {
      problems.push(`key "${id}" must be the base64 of ${KEY_BYTES} random bytes (openssl rand -base64 32)`);
      return;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`key id "${id}" appears twice`);
      return;
    }
    keys.push({ id, key: createSecretKey(bytes) });
  });
  const [first, ...rest] = keys;
  if (problems.length > 0 || first === undefined) {
    return { problems: problems.length > 0 ? problems : ['must list at least one key'] };
  }
  return { keyring: [first, ...rest] };
}

/** A new keyring entry, `keyId:base64key`, for the embedded mode's generated key. */
export function generateKeyringEntry(id: string): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
