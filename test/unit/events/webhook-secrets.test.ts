import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, webhookHeaders } from '../../../src/events/signing.js';
import { WebhookSecretError, WebhookSecrets } from '../../../src/events/webhook-secrets.js';
import { keyEntry as entry, keyringOf as keyring } from '../../helpers/keyring.js';
const TENANT = 'acme';
const ID = '3b241101-e2bb-4255-8caf-4136c566a962';

function openError(secrets: WebhookSecrets, stored: string): WebhookSecretError {
  try {
    secrets.open(TENANT, ID, stored);
  } catch (error) {
    if (error instanceof WebhookSecretError) return error;
    throw error;
  }
  throw new Error('the secret opened');
}

describe('WebhookSecrets', () => {
  it('stores a secret encrypted and bound to its subscription', () => {
    const secrets = new WebhookSecrets(keyring(entry('k1')));
    const secret = generateWebhookSecret();
    const sealed = secrets.seal(TENANT, ID, secret);
    expect(sealed).toMatch(/^enc:v1:k1:/);
    expect(sealed).not.toContain(secret.slice('whsec_'.length));
    expect(secrets.open(TENANT, ID, sealed)).toBe(secret);
    expect(() => secrets.open('other', ID, sealed)).toThrow(WebhookSecretError);
    expect(() => secrets.open(TENANT, '3b241101-e2bb-4255-8caf-4136c566a963', sealed)).toThrow(WebhookSecretError);
  });

  it('reads a plaintext whsec_ secret from before encryption as it is, and refuses other plaintext', () => {
    const secrets = new WebhookSecrets(keyring(entry('k1')));
    const legacy = generateWebhookSecret();
    expect(secrets.open(TENANT, ID, legacy)).toBe(legacy);
    expect(openError(secrets, 'hunter2').message).toBe(
      `The signing secret of webhook ${ID} is neither encrypted nor a whsec_ secret.`,
    );
  });

  it('names the missing key and the variable to fix when a key was removed too early', () => {
    const sealed = new WebhookSecrets(keyring(entry('2026-06'))).seal(TENANT, ID, generateWebhookSecret());
    const error = openError(new WebhookSecrets(keyring(entry('2026-12'))), sealed);
    expect(error.message).toBe(
      `The signing secret of webhook ${ID} cannot be decrypted: it was encrypted with key "2026-06", which WEBHOOK_SECRET_ENCRYPTION_KEYS does not list; add that key back, after the first one.`,
    );
  });

  it('names the key whose bytes are wrong, and never the secret', () => {
    const secret = generateWebhookSecret();
    const sealed = new WebhookSecrets(keyring(entry('k1'))).seal(TENANT, ID, secret);
    const error = openError(new WebhookSecrets(keyring(entry('k1'))), sealed);
    expect(error.message).toContain(
      'key "k1" does not open it: WEBHOOK_SECRET_ENCRYPTION_KEYS gives that key other bytes',
    );
    expect(error.message).not.toContain(secret);
  });

  describe('signingSecrets: the overlap after a rotation', () => {
    const secrets = new WebhookSecrets(keyring(entry('k1')));
    const [previous, current] = [generateWebhookSecret(), generateWebhookSecret()];
    const now = Date.now();
    const expiresAt = new Date(now + 86_400_000);
    const stored = {
      secret: secrets.seal(TENANT, ID, current),
      previousSecret: secrets.seal(TENANT, ID, previous),
      previousSecretExpiresAt: expiresAt,
    };
    const body = JSON.stringify({ type: 'user.created', sequence: 1 });
    // The header timestamp stays the real one: the standardwebhooks package checks it against its clock.
    const headersAt = (nowMs: number) =>
      webhookHeaders(secrets.signingSecrets(TENANT, ID, stored, nowMs), 'evt_1', Math.floor(now / 1000), body);

    it('signs with the new and the previous secret during the window: a receiver holding either verifies', () => {
      for (const at of [now, expiresAt.getTime() - 1]) {
        const headers = headersAt(at);
        expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
        expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
        expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
      }
    });

    it('signs with the new secret only once the window is over', () => {
      for (const at of [expiresAt.getTime(), expiresAt.getTime() + 60_000]) {
        const headers = headersAt(at);
        expect(headers['webhook-signature'].split(' ')).toHaveLength(1);
        expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
        expect(() => new Webhook(previous).verify(body, headers)).toThrow();
      }
    });

    it('signs with the one secret when there was no rotation', () => {
      expect(
        secrets.signingSecrets(
          TENANT,
          ID,
          { ...stored, previousSecret: undefined, previousSecretExpiresAt: undefined },
          now,
        ),
      ).toEqual([current]);
    });
  });
});
