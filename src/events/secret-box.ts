import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import type { Keyring } from '../config/encryption-keys.js';

/**
 * Authenticated encryption of short secrets with a keyring (docs/decisions/0006): AES-256-GCM,
 * a fresh random 96-bit IV per value, and a versioned envelope
 *
 *     enc:v1:<keyId>:<iv>:<tag>:<ciphertext>        (each part base64url)
 *
 * so that a stored value names the key that opens it, and a later format can sit beside this one.
 * The envelope's header and the caller's `context` are authenticated with the value (GCM's
 * additional data): a value copied to another row, or given another key id, fails to open.
 */

const VERSION = 'v1';
const PREFIX = `enc:${VERSION}:`;
// NIST SP 800-38D §8.2.2: random 96-bit IVs are safe for up to 2^32 values per key, far beyond
// what a keyring rotated now and then encrypts.
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PART = /^[A-Za-z0-9_-]+$/;

/** Why a stored value could not be opened; the message names the key, never a secret. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
  constructor(
    readonly reason: 'malformed' | 'unsupported-version' | 'unknown-key' | 'not-authentic',
    message: string,
    /** The key the value names, once that much of it could be read. */
    readonly keyId?: string,
  ) {
    super(message);
  }
}

export class SecretBox {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly sealing: { readonly id: string; readonly key: KeyObject };

  constructor(keyring: Keyring) {
    this.sealing = keyring[0];
    this.keys = new Map(keyring.map((k) => [k.id, k.key]));
  }

  /** Whether a stored value is in an envelope at all (rather than, say, plaintext from before). */
  static isSealed(stored: string): boolean {
    return stored.startsWith('enc:');
  }

  /** The start every value sealed with the first key has; anything else is due for re-encryption. */
  get currentPrefix(): string {
    return `${PREFIX}${this.sealing.id}:`;
  }

  seal(plaintext: string, context: string): string {
    const header = this.currentPrefix;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealing.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(header, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${header}${[iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url')).join(':')}`;
  }

  /** The plaintext; throws SecretBoxError when the value is malformed, unknown to the keyring or not authentic. */
  open(stored: string, context: string): string {
    const parts = stored.split(':');
    if (parts[0] !== 'enc' || parts.length !== 6) {
      throw new SecretBoxError('malformed', 'The value is not an enc:v1 envelope.');
    }
    const [, version = '', keyId = '', iv = '', tag = '', ciphertext = ''] = parts;
    if (version !== VERSION) {
      throw new SecretBoxError(
        'unsupported-version',
        `The value is in envelope format "${version}", which this version cannot read.`,
      );
    }
    const key = this.keys.get(keyId);
    if (key === undefined) {
      throw new SecretBoxError(
        'unknown-key',
        `The value was encrypted with key "${keyId}", which the keyring lacks.`,
        keyId,
      );
    }
    if (![iv, tag, ciphertext].every((part) => PART.test(part))) {
      throw new SecretBoxError('malformed', 'The value is not an enc:v1 envelope.');
    }
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw new SecretBoxError('malformed', 'The value is not an enc:v1 envelope.');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(`${PREFIX}${keyId}:`, context));
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // GCM cannot tell a wrong key from an altered value: both fail the tag.
      throw new SecretBoxError(
        'not-authentic',
        `Key "${keyId}" does not open the value: the key's bytes are not those it was encrypted with, or the value was altered or copied from elsewhere.`,
        keyId,
      );
    }
  }
}

/** The header and the caller's context; the header holds no NUL, so no other pair reads the same. */
function additionalData(header: string, context: string): Buffer {
  return Buffer.from(`${header}\u0000${context}`, 'utf8');
}
