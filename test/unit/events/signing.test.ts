import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from '../../../src/events/signing.js';

// The known-answer vector of the standardwebhooks JavaScript library's own tests
// (libraries/javascript/src/webhook.test.ts, "sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (seconds: number) => () => seconds * 1000;
const vectorHeaders = () => webhookHeaders(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body);
const verifyVector = (headers: Record<string, string | string[] | undefined>, body = VECTOR.body) =>
  verifyWebhook(VECTOR.secret, headers, body, { now: at(VECTOR.timestamp) });

describe('generateWebhookSecret', () => {
  it('is whsec_ and the base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

describe('signWebhook', () => {
  it('reproduces the reference vector', () => {
    expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('is verified by the standardwebhooks package', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'user.created', sequence: 7, data: { userName: 'ünïcode@example.com' } });
    const headers = webhookHeaders(secret, 'evt_1', Math.floor(Date.now() / 1000), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // The package does reject, so the line above is not passing vacuously.
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('refuses ids and timestamps that cannot be signed unambiguously', () => {
    expect(() => signWebhook(VECTOR.secret, 'a.b', 1, '{}')).toThrow(RangeError);
    expect(() => signWebhook(VECTOR.secret, '', 1, '{}')).toThrow(RangeError);
    expect(() => signWebhook(VECTOR.secret, 'id', 1.5, '{}')).toThrow(RangeError);
    expect(() => signWebhook('whsec_not base64!', 'id', 1, '{}')).toThrow(TypeError);
  });
});

describe('webhookHeaders', () => {
  it('carries the id, the timestamp in seconds and the signature', () => {
    expect(vectorHeaders()).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
  });

  it('lists one signature per secret, space-separated, the first secret first', () => {
    const other = generateWebhookSecret();
    const headers = webhookHeaders([VECTOR.secret, other], VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(headers['webhook-signature']).toBe(
      `${VECTOR.signature} ${signWebhook(other, VECTOR.id, VECTOR.timestamp, VECTOR.body)}`,
    );
  });

  it('signed with two secrets, is verified by a receiver holding either one, and by no other', () => {
    // "Webhook headers": several signatures exist for zero-downtime secret rotation.
    const [current, previous, unrelated] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
    const body = JSON.stringify({ type: 'user.updated', sequence: 9 });
    const headers = webhookHeaders([current, previous], 'evt_3', Math.floor(Date.now() / 1000), body);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(unrelated).verify(body, headers)).toThrow();
    expect(verifyWebhook(current, headers, body)).toBe(true);
    expect(verifyWebhook(previous, headers, body)).toBe(true);
    expect(verifyWebhook(unrelated, headers, body)).toBe(false);
  });
});

describe('verifyWebhook', () => {
  it('accepts what the standardwebhooks package signs', () => {
    const secret = generateWebhookSecret();
    const body = '{"type":"group.member_added","sequence":3}';
    const signature = new Webhook(secret).sign('evt_2', new Date(1_700_000_000_000), body);
    const headers = { 'webhook-id': 'evt_2', 'webhook-timestamp': '1700000000', 'webhook-signature': signature };
    expect(verifyWebhook(secret, headers, body, { now: at(1_700_000_000) })).toBe(true);
  });

  it('accepts its own signatures with the secret with or without the whsec_ prefix', () => {
    expect(verifyVector(vectorHeaders())).toBe(true);
    const unprefixed = VECTOR.secret.slice('whsec_'.length);
    expect(verifyWebhook(unprefixed, vectorHeaders(), VECTOR.body, { now: at(VECTOR.timestamp) })).toBe(true);
  });

  it('rejects a tampered body, id or timestamp', () => {
    expect(verifyVector(vectorHeaders(), '{"test": 2432232315}')).toBe(false);
    expect(verifyVector(vectorHeaders(), `${VECTOR.body}\n`)).toBe(false);
    expect(verifyVector({ ...vectorHeaders(), 'webhook-id': 'msg_other' })).toBe(false);
    expect(verifyVector({ ...vectorHeaders(), 'webhook-timestamp': String(VECTOR.timestamp + 1) })).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyWebhook(generateWebhookSecret(), vectorHeaders(), VECTOR.body, { now: at(VECTOR.timestamp) })).toBe(
      false,
    );
  });

  it('accepts a timestamp within the tolerance either way and rejects one beyond it', () => {
    const verifyAt = (seconds: number, toleranceSeconds?: number) =>
      verifyWebhook(VECTOR.secret, vectorHeaders(), VECTOR.body, { now: at(seconds), toleranceSeconds });
    expect(verifyAt(VECTOR.timestamp + 300)).toBe(true);
    expect(verifyAt(VECTOR.timestamp - 300)).toBe(true);
    expect(verifyAt(VECTOR.timestamp + 301)).toBe(false);
    expect(verifyAt(VECTOR.timestamp - 301)).toBe(false);
    expect(verifyAt(VECTOR.timestamp + 60, 30)).toBe(false);
    expect(verifyAt(VECTOR.timestamp + 20, 30)).toBe(true);
    expect(verifyAt(VECTOR.timestamp, Number.NaN)).toBe(false);
  });

  it('uses the real clock by default', () => {
    expect(verifyWebhook(VECTOR.secret, vectorHeaders(), VECTOR.body)).toBe(false);
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders(VECTOR.secret, VECTOR.id, now, VECTOR.body);
    expect(verifyWebhook(VECTOR.secret, headers, VECTOR.body)).toBe(true);
  });

  it('rejects a delivery missing any of the three headers', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const headers: Record<string, string | undefined> = { ...vectorHeaders() };
      headers[name] = undefined;
      expect(verifyVector(headers), name).toBe(false);
      expect(verifyVector({ ...vectorHeaders(), [name]: '' }), name).toBe(false);
    }
    expect(verifyVector({})).toBe(false);
  });

  it('reads header names case-insensitively and accepts array values', () => {
    const headers = vectorHeaders();
    expect(
      verifyVector({
        'Webhook-Id': headers['webhook-id'],
        'WEBHOOK-TIMESTAMP': [headers['webhook-timestamp']],
        'Webhook-Signature': ['v1,bm90IGl0', headers['webhook-signature']],
      }),
    ).toBe(true);
  });

  it('rejects a repeated id or timestamp, since either could be the one signed', () => {
    const headers = vectorHeaders();
    expect(verifyVector({ ...headers, 'webhook-id': [VECTOR.id, VECTOR.id] })).toBe(false);
    expect(verifyVector({ ...headers, 'Webhook-Timestamp': headers['webhook-timestamp'] })).toBe(false);
  });

  it('accepts a header listing several signatures when one is valid, and only v1 ones', () => {
    const valid = VECTOR.signature;
    const wrong = signWebhook(generateWebhookSecret(), VECTOR.id, VECTOR.timestamp, VECTOR.body);
    const withSignatures = (signature: string) => verifyVector({ ...vectorHeaders(), 'webhook-signature': signature });
    expect(withSignatures(`${wrong} ${valid}`)).toBe(true);
    expect(withSignatures(`${valid} ${wrong}`)).toBe(true);
    expect(withSignatures(`v1a,c2lnbmF0dXJl  ${valid}`)).toBe(true);
    expect(withSignatures(wrong)).toBe(false);
    expect(withSignatures(`${wrong} v1,${wrong.slice(3, 20)} v2,${valid.slice(3)}`)).toBe(false);
    expect(withSignatures(valid.slice(3))).toBe(false);
    expect(withSignatures('v1,')).toBe(false);
  });

  it('returns false rather than throwing for malformed input', () => {
    const headers = vectorHeaders();
    expect(verifyWebhook('', headers, VECTOR.body, { now: at(VECTOR.timestamp) })).toBe(false);
    expect(verifyWebhook('whsec_not base64!', headers, VECTOR.body, { now: at(VECTOR.timestamp) })).toBe(false);
    expect(verifyVector({ ...headers, 'webhook-timestamp': '1614265330abc' })).toBe(false);
    expect(verifyVector({ ...headers, 'webhook-timestamp': '-1' })).toBe(false);
    expect(verifyWebhook(VECTOR.secret, headers, undefined as unknown as string, { now: at(VECTOR.timestamp) })).toBe(
      false,
    );
    expect(verifyVector(null as unknown as Record<string, string>)).toBe(false);
    const throwingClock = () => {
      throw new Error('no clock');
    };
    expect(verifyWebhook(VECTOR.secret, headers, VECTOR.body, { now: throwingClock })).toBe(false);
  });
});
