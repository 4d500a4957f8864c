import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startService, type ServiceProcess } from '../helpers/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'scim-embedded-'));
const running: ServiceProcess[] = [];
afterAll(() => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function start(port: number): ServiceProcess {
  const p = startService({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  running.push(p);
  return p;
}

/** Sends a request whose body arrives in two parts, so it is in flight when SIGTERM lands. */
function slowRequest(port: number, path: string, headers: Record<string, string>, body: string) {
  const socket = connect(port, '127.0.0.1');
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('utf8')));
  const done = new Promise<string>((resolve) =>
    socket.on('close', () => {
      resolve(response);
    }),
  );
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ]
    .concat(Object.entries(headers).map(([k, v]) => `${k}: ${v}`))
    .join('\r\n');
  const half = Math.floor(body.length / 2);
  return {
    sendFirstHalf: () =>
      new Promise<void>((resolve) =>
        socket.write(`${head}\r\n\r\n${body.slice(0, half)}`, () => {
          resolve();
        }),
      ),
    finish: () => {
      socket.write(body.slice(half));
      return done;
    },
  };
}

describe('npm start with no DATABASE_URL (embedded PGlite under DATA_DIR)', () => {
  it('starts with zero setup, prints its tokens once, keeps data across a SIGTERM restart', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = start(port);
    const [, scimBaseUrl = '', scimToken = '', adminToken = ''] = await first.waitFor(
      /SCIM base URL\s+(\S+)\n\s*SCIM token\s+(\S+)\n\s*Admin token\s+(\S+)/,
      60_000,
    );
    expect(scimBaseUrl).toBe(`${base}/scim/v2/default`);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    // The key that encrypts webhook secrets is generated beside the tokens, and never shown.
    const { webhookSecretKey = '' } = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as {
      webhookSecretKey?: string;
    };
    expect(webhookSecretKey).toMatch(/^local:[A-Za-z0-9+/]{43}=$/);
    expect(first.stdout()).not.toContain(webhookSecretKey.slice('local:'.length));
    // The tokens are printed in the banner only, never in a log line.
    const logLines = first
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(logLines.join('\n')).not.toContain(scimToken);
    expect(logLines.join('\n')).not.toContain(adminToken);

    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const tenants = await fetch(`${base}/admin/v1/tenants`, { headers: admin });
    expect(tenants.status).toBe(200);
    expect(((await tenants.json()) as { tenants: { id: string }[] }).tenants.map((t) => t.id)).toEqual(['default']);
    const spc = await fetch(`${scimBaseUrl}/ServiceProviderConfig`, {
      headers: { authorization: `Bearer ${scimToken}` },
    });
    expect(spc.status).toBe(200);
    expect(spc.headers.get('content-type')).toBe('application/scim+json');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // SIGTERM while a request is in flight: it completes, then the process exits 0.
    const inFlight = slowRequest(
      port,
      '/admin/v1/tenants',
      admin,
      JSON.stringify({ id: 'kept', name: 'Kept across restarts' }),
    );
    await inFlight.sendFirstHalf();
    await new Promise((r) => setTimeout(r, 200));
    first.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const response = await inFlight.finish();
    expect(response).toMatch(/^HTTP\/1\.1 201/);
    expect(await first.exited).toBe(0);

    const second = start(port);
    await second.waitFor(/Server listening/, 60_000);
    expect(second.stdout()).not.toContain('first start');
    const after = await fetch(`${base}/admin/v1/tenants`, { headers: admin });
    expect(((await after.json()) as { tenants: { id: string }[] }).tenants.map((t) => t.id)).toEqual([
      'default',
      'kept',
    ]);
    const again = await fetch(`${scimBaseUrl}/Schemas`, { headers: { authorization: `Bearer ${scimToken}` } });
    expect(again.status).toBe(200);
    // One process per DATA_DIR: a second one is refused while this one runs.
    const intruder = startService({ PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: dataDir });
    running.push(intruder);
    expect(await intruder.exited).toBe(1);
    expect(intruder.stderr()).toMatch(/DATA_DIR .* is in use by process \d+/);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // Closed cleanly: the embedded database released its lock and socket.
    expect(existsSync(join(dataDir, 'lock'))).toBe(false);
    expect(existsSync(join(dataDir, '.s.PGSQL.5432'))).toBe(false);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  }, 180_000);

  it('keeps the first-start tokens for a start that can listen, when the first attempt could not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-embedded-busy-'));
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const failed = startService({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir });
      running.push(failed);
      expect(await failed.exited).toBe(1);
      expect(failed.stderr()).toContain('EADDRINUSE');
      expect(failed.stdout()).not.toContain('SCIM token');
      const next = startService({ PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: dir });
      running.push(next);
      await next.waitFor(/SCIM token\s+\S+/, 60_000);
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses to start on an external database without ADMIN_TOKEN, naming the variable', async () => {
    const p = startService({ DATABASE_URL: 'postgresql://127.0.0.1:1/none', DATA_DIR: dataDir, PORT: '0' });
    running.push(p);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/ADMIN_TOKEN: is required when DATABASE_URL is set/);
    expect(p.stderr()).toMatch(/JWT_SECRET: is required when DATABASE_URL is set/);
    expect(p.stderr()).toMatch(/WEBHOOK_SECRET_ENCRYPTION_KEYS: is required when DATABASE_URL is set/);
  });

  it('refuses invalid settings at start with every problem listed', async () => {
    const p = startService({ PORT: 'eighty', LOG_LEVEL: 'loud', PUBLIC_URL: 'ftp://x', DATA_DIR: dataDir });
    running.push(p);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/PORT:/);
    expect(p.stderr()).toMatch(/LOG_LEVEL: must be one of/);
    expect(p.stderr()).toMatch(/PUBLIC_URL: must be an absolute http\(s\) URL/);
  });
});
