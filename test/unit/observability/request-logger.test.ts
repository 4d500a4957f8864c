import { Writable } from 'node:stream';
import { pino, type Bindings, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestLogger } from '../../../src/observability/request-logger.js';

function parentAt(level: string): { parent: Logger; lines: Record<string, unknown>[]; children: () => number } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino({ level, base: { service: 'scim' } }, sink);
  let made = 0;
  const child = parent.child.bind(parent);
  parent.child = (bindings: Bindings, options?: object) => {
    made += 1;
    return child(bindings, options);
  };
  return { parent, lines, children: () => made };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('RequestLogger', () => {
  it('makes no pino child for a request that logs nothing at an enabled level', () => {
    const { parent, children } = parentAt('warn');
    const log = new RequestLogger(parent, { reqId: 'r1' });
    log.info({ a: 1 }, 'not written');
    log.debug('nor this');
    expect(children()).toBe(0);
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
  });

  it("writes the child's lines: its bindings, those set before the first line, and those after", async () => {
    const { parent, lines, children } = parentAt('info');
    const log = new RequestLogger(parent, { reqId: 'r2', tenant: 't', provider: 'generic' });
    log.setBindings({ provider: 'okta' });
    log.info({ req: 'x' }, 'incoming request');
    log.setBindings({ provider: 'entra' });
    log.warn('second');
    await flushed();
    expect(children()).toBe(1);
    expect(lines).toMatchObject([
      { level: 30, service: 'scim', reqId: 'r2', tenant: 't', provider: 'okta', req: 'x', msg: 'incoming request' },
      { level: 40, reqId: 'r2', provider: 'entra', msg: 'second' },
    ]);
  });

  it('enables nothing at "silent"', () => {
    const { parent, children } = parentAt('silent');
    const log = new RequestLogger(parent, { reqId: 'r3' });
    log.fatal('no');
    expect(log.isLevelEnabled('fatal')).toBe(false);
    expect(children()).toBe(0);
  });
});
