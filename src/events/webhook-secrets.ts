import type { Keyring } from '../config/encryption-keys.js';
import type { Sql } from '../storage/db.js';
import type { StoredSecrets, StoredSecretsRow, WebhookStore } from '../storage/webhook-store.js';
import { SecretBox, SecretBoxError } from './secret-box.js';
import type { SigningSecrets } from './signing.js';

/**
 * Webhook signing secrets at rest (docs/decisions/0006-webhook-secrets-encrypted-at-rest.md):
 * encrypted with the first key of WEBHOOK_SECRET_ENCRYPTION_KEYS, each bound to its subscription,
 * decrypted only to sign a delivery.
 */

// Rows written before secrets were encrypted hold the secret as issued.
const PLAINTEXT_PREFIX = 'whsec_';
const REENCRYPT_BATCH = 500;

/** A stored secret that cannot be used; the message names the webhook and the key, never a secret. */
export class WebhookSecretError extends Error {
  override name = 'WebhookSecretError';
}

export interface ReencryptionReport {
  /** The key every secret is now encrypted with, unless it is listed in `failed`. */
  readonly keyId: string;
  readonly reencrypted: number;
  readonly failed: readonly { readonly tenantId: string; readonly id: string; readonly reason: string }[];
}

export class WebhookSecrets {
  private readonly box: SecretBox;
  private readonly keyId: string;

  constructor(keyring: Keyring) {
    this.box = new SecretBox(keyring);
    this.keyId = keyring[0].id;
  }

  /** The value to store for a subscription's secret. */
  seal(tenantId: string, id: string, secret: string): string {
    return this.box.seal(secret, context(tenantId, id));
  }

  open(tenantId: string, id: string, stored: string): string {
    if (!SecretBox.isSealed(stored)) {
      if (stored.startsWith(PLAINTEXT_PREFIX)) return stored;
      throw new WebhookSecretError(`The signing secret of webhook ${id} is neither encrypted nor a whsec_ secret.`);
    }
    try {
      return this.box.open(stored, context(tenantId, id));
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new WebhookSecretError(`The signing secret of webhook ${id} cannot be decrypted: ${explain(error)}`);
    }
  }

  /**
   * What a delivery at `nowMs` is signed with: the current secret, and the one before the last
   * rotation until its overlap ends, so a receiver not yet given the new secret still verifies it.
   */
  signingSecrets(tenantId: string, id: string, stored: StoredSecrets, nowMs: number): SigningSecrets {
    const current = this.open(tenantId, id, stored.secret);
    const { previousSecret, previousSecretExpiresAt } = stored;
    if (previousSecret === undefined || previousSecretExpiresAt === undefined) return [current];
    if (!(nowMs < previousSecretExpiresAt.getTime())) return [current];
    return [current, this.open(tenantId, id, previousSecret)];
  }

  /**
   * Encrypts with the first key every stored secret that is not yet: plaintext rows from before
   * encryption, and rows encrypted with an older key after a rotation of the keyring. Each row
   * is written only if it still holds what was read, so replicas starting together, and
   * rotations under way, need no lock. A row no key of the keyring opens is left as it is and
   * reported.
   */
  async reencrypt(q: Sql, store: WebhookStore): Promise<ReencryptionReport> {
    const prefix = this.box.currentPrefix;
    const again = (row: StoredSecretsRow, stored: string) =>
      stored.startsWith(prefix) ? stored : this.seal(row.tenantId, row.id, this.open(row.tenantId, row.id, stored));
    let reencrypted = 0;
    const failed: { tenantId: string; id: string; reason: string }[] = [];
    let after: StoredSecretsRow | undefined;
    for (;;) {
      const batch = await store.secretsToReencrypt(q, prefix, after, REENCRYPT_BATCH);
      for (const row of batch) {
        let secret: string;
        let previous: string | undefined;
        try {
          secret = again(row, row.secret);
          previous = row.previousSecret === undefined ? undefined : again(row, row.previousSecret);
        } catch (error) {
          if (!(error instanceof WebhookSecretError)) throw error;
          failed.push({ tenantId: row.tenantId, id: row.id, reason: error.message });
          continue;
        }
        if (await store.replaceSecrets(q, row, secret, previous)) reencrypted += 1;
      }
      after = batch.at(-1);
      if (batch.length < REENCRYPT_BATCH) break;
    }
    return { keyId: this.keyId, reencrypted, failed };
  }
}

/** Binds a sealed secret to its subscription: copied to another row, it no longer opens. */
function context(tenantId: string, id: string): string {
  return `webhook_subscriptions.secret/${tenantId}/${id}`;
}

function explain(error: SecretBoxError): string {
  switch (error.reason) {
    case 'unknown-key':
      return `it was encrypted with key "${error.keyId ?? ''}", which WEBHOOK_SECRET_ENCRYPTION_KEYS does not list; add that key back, after the first one.`;
    case 'not-authentic':
      return `key "${error.keyId ?? ''}" does not open it: WEBHOOK_SECRET_ENCRYPTION_KEYS gives that key other bytes than it was encrypted with, or the stored value was altered.`;
    case 'malformed':
      return 'the stored value is not an enc:v1 envelope.';
    case 'unsupported-version':
      return 'the stored value is in an envelope format this version cannot read (written by a newer version?).';
  }
}
