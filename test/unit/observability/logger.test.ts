import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('info', sink), text: () => lines.join('') };
}

describe('logger redaction', () => {
  it.each([
    ['headers of any object', { headers: { authorization: 'Bearer s3cr3t-value' } }],
    ['a token', { token: 's3cr3t-value' }],
    ['a nested token', { issued: { token: 's3cr3t-value' } }],
    ['a password', { password: 's3cr3t-value' }],
    ['a nested password', { body: { password: 's3cr3t-value' } }],
    ['a secret', { webhook: { secret: 's3cr3t-value' } }],
    ['the admin token', { adminToken: 's3cr3t-value' }],
  ])('censors %s', (_label, object) => {
    const { logger, text } = capture();
    logger.info(object, 'message');
    expect(text()).not.toContain('s3cr3t-value');
    expect(text()).toContain('[redacted]');
  });

  it('logs a request without its headers and with query-string credentials censored', () => {
    const { logger, text } = capture();
    logger.info(
      {
        req: {
          method: 'GET',
          url: '/scim/v2/a/Users?access_token=s3cr3t-value&count=5',
          host: 'x',
          ip: '127.0.0.1',
          headers: { authorization: 'Bearer s3cr3t-value' },
        },
      },
      'incoming request',
    );
    const line = JSON.parse(text()) as { req: Record<string, unknown> };
    expect(line.req).toEqual({
      method: 'GET',
      url: '/scim/v2/a/Users?access_token=[redacted]&count=5',
      host: 'x',
      remoteAddress: '127.0.0.1',
    });
  });
});
