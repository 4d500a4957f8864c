import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from '../../../src/events/secret-box.js';
import { keyEntry as entry, keyringOf as keyring } from '../../helpers/keyring.js';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CONTEXT = 'webhook_subscriptions.secret/acme/3b241101-e2bb-4255-8caf-4136c566a962';

/** The error `open` throws, to check its reason and message. */
function openError(box: SecretBox, stored: string, context = CONTEXT): SecretBoxError {
  try {
    box.open(stored, context);
  } catch (error) {
    if (error instanceof SecretBoxError) return error;
    throw error;
  }
  throw new Error('the value opened');
}

/** `stored` with one of its base64url parts (3: iv, 4: tag, 5: ciphertext) changed in its first byte. */
function tampered(stored: string, part: number): string {
  const parts = stored.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

describe('SecretBox', () => {
  it('seals into an enc:v1 envelope naming the first key, and opens it again', () => {
    const box = new SecretBox(keyring(`${entry('k2')},${entry('k1')}`));
    const sealed = box.seal(SECRET, CONTEXT);
    expect(sealed).toMatch(/^enc:v1:k2:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('whsec_');
    expect(sealed.startsWith(box.currentPrefix)).toBe(true);
    expect(box.open(sealed, CONTEXT)).toBe(SECRET);
  });

  it('uses a fresh IV each time, so one secret never seals to the same value twice', () => {
    const box = new SecretBox(keyring(entry('k1')));
    expect(box.seal(SECRET, CONTEXT)).not.toBe(box.seal(SECRET, CONTEXT));
  });

  it('opens values sealed with any key of the keyring, not only the first', () => {
    const old = entry('old');
    const sealed = new SecretBox(keyring(old)).seal(SECRET, CONTEXT);
    const rotated = new SecretBox(keyring(`${entry('new')},${old}`));
    expect(rotated.open(sealed, CONTEXT)).toBe(SECRET);
    expect(sealed.startsWith(rotated.currentPrefix)).toBe(false);
  });

  it('refuses a tampered IV, tag or ciphertext', () => {
    const box = new SecretBox(keyring(entry('k1')));
    const sealed = box.seal(SECRET, CONTEXT);
    for (const part of [3, 4, 5]) {
      const error = openError(box, tampered(sealed, part));
      expect(error.reason, `part ${part}`).toBe('not-authentic');
      expect(error.message).toContain('"k1"');
    }
  });

  it('refuses a value copied to another context (another subscription)', () => {
    const box = new SecretBox(keyring(entry('k1')));
    const sealed = box.seal(SECRET, CONTEXT);
    expect(openError(box, sealed, CONTEXT.replace('acme', 'evil')).reason).toBe('not-authentic');
  });

  it('refuses a value relabelled with another key id, even one with the same bytes', () => {
    // The header is authenticated: only that can refuse this relabelling, since the key is the same.
    const bytes = randomBytes(32).toString('base64');
    const box = new SecretBox(keyring(`k1:${bytes},k2:${bytes}`));
    const sealed = box.seal(SECRET, CONTEXT);
    expect(openError(box, sealed.replace('enc:v1:k1:', 'enc:v1:k2:')).reason).toBe('not-authentic');
  });

  it('says clearly when a key id has other bytes than the value was sealed with', () => {
    const sealed = new SecretBox(keyring(entry('k1'))).seal(SECRET, CONTEXT);
    const error = openError(new SecretBox(keyring(entry('k1'))), sealed);
    expect(error.reason).toBe('not-authentic');
    expect(error.keyId).toBe('k1');
    expect(error.message).toMatch(
      /Key "k1" does not open the value: the key's bytes are not those it was encrypted with/,
    );
  });

  it('says clearly when the value names a key the keyring lacks', () => {
    const sealed = new SecretBox(keyring(entry('gone'))).seal(SECRET, CONTEXT);
    const error = openError(new SecretBox(keyring(entry('k1'))), sealed);
    expect(error.reason).toBe('unknown-key');
    expect(error.keyId).toBe('gone');
    expect(error.message).toBe('The value was encrypted with key "gone", which the keyring lacks.');
  });

  it('refuses what is not an enc:v1 envelope, naming a later format it cannot read', () => {
    const box = new SecretBox(keyring(entry('k1')));
    const sealed = box.seal(SECRET, CONTEXT);
    expect(openError(box, SECRET).reason).toBe('malformed');
    expect(openError(box, 'enc:v1:k1:short').reason).toBe('malformed');
    expect(openError(box, sealed.replace(/:[^:]+$/, ':not base64!')).reason).toBe('malformed');
    const shortIv = sealed.split(':');
    shortIv[3] = 'AAAA';
    expect(openError(box, shortIv.join(':')).reason).toBe('malformed');
    const v2 = openError(box, sealed.replace('enc:v1:', 'enc:v2:'));
    expect(v2.reason).toBe('unsupported-version');
    expect(v2.message).toContain('"v2"');
  });

  it('never shows key bytes when a keyring is logged', () => {
    const bytes = randomBytes(32);
    const ring = keyring(`k1:${bytes.toString('base64')}`);
    const shown = `${inspect(ring, { depth: 5 })} ${JSON.stringify(ring)}`;
    expect(shown).not.toContain(bytes.toString('base64'));
    expect(shown).not.toContain(bytes.toString('hex'));
  });
});
