import { randomBytes } from 'node:crypto';
import { parseKeyring, type Keyring } from '../../src/config/encryption-keys.js';

/** A new `keyId:base64key` entry of WEBHOOK_SECRET_ENCRYPTION_KEYS. */
export function keyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** The keyring WEBHOOK_SECRET_ENCRYPTION_KEYS=`text` gives, for tests that build one directly. */
export function keyringOf(text: string): Keyring {
  const parsed = parseKeyring(text);
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return parsed.keyring;
}
