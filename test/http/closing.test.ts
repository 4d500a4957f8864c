import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';

describe('closing the service', () => {
  it('does not wait for a connection a client opened and never sent a request on', async () => {
    const t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const closedByServer = new Promise<void>((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
    // Node keeps such a connection until its headersTimeout (a minute); the close must not.
    const closing = t.app.close();
    await closedByServer;
    await closing;
    expect(socket.destroyed).toBe(true);
    await t.close();
  }, 20_000);
});
