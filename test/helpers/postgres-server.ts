import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PostgresServer {
  /** A URL to the server's maintenance database; tests create their own databases beside it. */
  readonly url: string;
  readonly description: string;
  stop(): Promise<void>;
}

const LOCAL_BINARIES = '/usr/lib/postgresql/15/bin';

/**
 * A real PostgreSQL for the integration tests, in order of preference: TEST_DATABASE_URL (CI
 * points it at the machine's server), a testcontainers container when a Docker engine answers,
 * or a throwaway server started from the local binaries in a temporary directory.
 */
export async function acquirePostgres(): Promise<PostgresServer> {
  const given = process.env['TEST_DATABASE_URL'];
  if (given !== undefined && given !== '') {
    return { url: given, description: 'TEST_DATABASE_URL', stop: async () => {} };
  }
  if (dockerAnswers()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return {
      url: container.getConnectionUri(),
      description: 'testcontainers postgres:16-alpine',
      stop: async () => {
        await container.stop();
      },
    };
  }
  const binaries = process.env['POSTGRES_BIN'] ?? LOCAL_BINARIES;
  if (existsSync(join(binaries, 'initdb'))) return startThrowawayPostgres();
  throw new Error(
    'No PostgreSQL for the integration tests: set TEST_DATABASE_URL to a server the tests may create databases on, ' +
      `start a Docker engine for testcontainers, or install PostgreSQL so that ${binaries}/initdb exists (or set POSTGRES_BIN).`,
  );
}

function dockerAnswers(): boolean {
  if (process.env['DOCKER_HOST'] === undefined && !existsSync('/var/run/docker.sock')) return false;
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000, encoding: 'utf8' });
  return result.status === 0;
}

/** Postgres refuses to run as root: as root, the server runs as the postgres user. */
function asPostgres(command: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
  else execFileSync(command, args, { stdio: 'pipe' });
}

/** A server of the test's own, which it may kill and start again (outage and failover tests). */
export interface ThrowawayPostgres extends PostgresServer {
  readonly port: number;
  /** The data directory, owned by the postgres user. */
  readonly dataDir: string;
  /** The directory holding the data directory and logs, for standbys beside it. */
  readonly baseDir: string;
  /** Stops the server at once, as a crash would (pg_ctl -m immediate); the data stays. */
  kill(): void;
  /** Starts it again on the same port and data. */
  start(): void;
}

export const postgresBinaries = (): string => process.env['POSTGRES_BIN'] ?? LOCAL_BINARIES;

/** Runs one of the server's programs as the postgres user (as root) or as this user. */
export function runPostgresProgram(program: string, args: string[]): void {
  asPostgres(join(postgresBinaries(), program), args);
}

/** A temporary directory the postgres user owns. */
export function postgresOwnedDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

/**
 * A throwaway server from the local binaries, in a temporary directory, on 127.0.0.1 only.
 * `settings` are more -c options (e.g. wal_level=replica).
 */
export async function startThrowawayPostgres(settings: readonly string[] = []): Promise<ThrowawayPostgres> {
  const binaries = postgresBinaries();
  const dir = postgresOwnedDir('scim-pg-');
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres(join(binaries, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = [
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    ...settings.map((s) => `-c ${s}`),
  ].join(' ');
  const start = () => {
    asPostgres(join(binaries, 'pg_ctl'), ['-D', data, '-w', '-l', join(dir, 'log'), '-o', options, 'start']);
  };
  const kill = () => {
    asPostgres(join(binaries, 'pg_ctl'), ['-D', data, '-w', '-m', 'immediate', 'stop']);
  };
  start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    description: `throwaway server from ${binaries} on port ${port}`,
    port,
    dataDir: data,
    baseDir: dir,
    kill,
    start,
    stop: () => {
      try {
        kill();
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}
