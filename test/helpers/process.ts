import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ENTRY = join(import.meta.dirname, '../../dist/main.js');

export interface ServiceProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

export const WORKER_ENTRY = join(import.meta.dirname, '../../dist/worker.js');

/** Starts `npm start`'s entry (dist/main.js, built by `npm test` before the tests run). */
export function startService(env: Record<string, string>, entry = ENTRY): ServiceProcess {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" (npm test does it first).`);
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        ![
          'DATABASE_URL',
          'ADMIN_TOKEN',
          'JWT_SECRET',
          'WEBHOOK_SECRET_ENCRYPTION_KEYS',
          'PUBLIC_URL',
          'PORT',
          'HOST',
          'DATA_DIR',
        ].includes(k),
    ),
  );
  const child = spawn(process.execPath, [entry], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(out);
        if (match) return match;
        if (child.exitCode !== null)
          throw new Error(`service exited (${child.exitCode}) before ${pattern}:\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
