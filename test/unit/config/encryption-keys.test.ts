import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseKeyring } from '../../../src/config/encryption-keys.js';

describe('parseKeyring', () => {
  it('reads keyId:base64 entries, standard or URL-safe, padded or not, first one first', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const parsed = parseKeyring(` 2026-12:${a.toString('base64url')} , old_1:${b.toString('base64')}`);
    expect('keyring' in parsed && parsed.keyring.map((k) => k.id)).toEqual(['2026-12', 'old_1']);
    expect('keyring' in parsed && parsed.keyring[0].key.export().equals(a)).toBe(true);
  });

  it('lists each bad entry without ever quoting a key', () => {
    const short = randomBytes(16).toString('base64');
    const parsed = parseKeyring(
      `k1:${short},nocolon${short},bad id:${short},k2:${randomBytes(32).toString('base64')},k2:${randomBytes(32).toString('base64')},k3:${short}!`,
    );
    expect('problems' in parsed && parsed.problems).toEqual([
      'key "k1" must be the base64 of 32 random bytes (openssl rand -base64 32)',
      'entry 2 must be <keyId>:<base64 of 32 random bytes>',
      'entry 3: the key id must be 1 to 32 of A-Z, a-z, 0-9, _ and -',
      'key id "k2" appears twice',
      'key "k3" must be the base64 of 32 random bytes (openssl rand -base64 32)',
    ]);
    expect(JSON.stringify(parsed)).not.toContain(short);
  });
});
