import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every request the bench makes goes to this host, and nowhere else. */
export const HOST = '127.0.0.1';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly origin: string;
  /** What the process wrote so far (the service logs JSON lines at LOG_LEVEL=warn). */
  output(): string;
  stop(): Promise<void>;
}

/** A port free right now; the child binds it a moment later (nothing else runs on a bench box). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

const running = new Set<ChildProcess>();

/** For the SIGINT handler: stops whatever server is up, without waiting. */
export function killAll(): void {
  for (const child of running) child.kill('SIGTERM');
}

/**
 * On Ctrl-C or SIGTERM, once: stops whatever server is up, runs `cleanUp` (dropping the bench
 * database), then exits 130.
 */
export function cleanUpOnSignal(log: (line: string) => void, cleanUp: () => Promise<void>): void {
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('\ninterrupted: stopping the server and dropping the bench database');
    killAll();
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Starts a server in its own process, so the load generator never shares its event loop, and
 * waits until `readyPath` answers 200. The child's output is kept and shown only if it fails.
 */
export async function startServer(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  port: number,
  readyPath: string,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(chunk.toString('utf8'));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');
  const origin = `http://${HOST}:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${origin}${readyPath}`);
      if (response.ok) return { name, pid: child.pid ?? 0, origin, output: () => output.join(''), stop };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`${name} did not become ready:\n${output.join('')}`);
}

/** `npm run worker`'s entry in its own process (it serves no HTTP, so nothing to wait for). */
export function startWorker(env: NodeJS.ProcessEnv, cwd: string): { stop(): Promise<void> } {
  const child = spawn(process.execPath, ['dist/worker.js'], { env, cwd, stdio: ['ignore', 'ignore', 'ignore'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const exited = once(child, 'exit');
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
