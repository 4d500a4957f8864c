import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 that stands in for "a name that follows the primary" (a virtual
 * IP, a DNS name, a writer endpoint: docs/operations.md, "When the database goes away"). The
 * failover test points the service's DATABASE_URL at it and moves it to the promoted standby.
 */
export interface TcpProxy {
  readonly port: number;
  /** The port new connections are forwarded to. */
  readonly target: number;
  /**
   * Sends new connections to `port` from now on and resets the ones open now, as a moved VIP
   * does: the new host knows nothing of the old connections and answers them with RST.
   */
  repoint(port: number): void;
  /** Connections open now (client side), for the test's own checks. */
  readonly open: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: number): Promise<TcpProxy> {
  let current = target;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: current });
    const pair = { client, upstream };
    pairs.add(pair);
    // Either side failing or closing ends both: a refused upstream (the primary is down)
    // reaches the client as a connection closed before it was answered.
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  const resetAll = () => {
    for (const { client, upstream } of [...pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
  };
  return {
    port: address.port,
    get target() {
      return current;
    },
    get open() {
      return pairs.size;
    },
    repoint(port) {
      current = port;
      resetAll();
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        server.close(() => {
          resolve();
        });
      }),
  };
}
