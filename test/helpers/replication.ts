import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { vi } from 'vitest';
import { freePort } from './free-port.js';
import { postgresOwnedDir, runPostgresProgram, type ThrowawayPostgres } from './postgres-server.js';

/**
 * PostgreSQL's own streaming replication from the local binaries, for the failover test: a
 * throwaway primary (startThrowawayPostgres(primarySettings())) and a synchronous standby cloned
 * from it with pg_basebackup (https://www.postgresql.org/docs/15/warm-standby.html).
 */
export const STANDBY_NAME = 'standby1';

/**
 * A primary whose every COMMIT waits until the standby has flushed it
 * (https://www.postgresql.org/docs/15/warm-standby.html#SYNCHRONOUS-REPLICATION): a write the
 * service acknowledged is on the standby, whatever becomes of the primary. Command-line settings,
 * so pg_basebackup does not copy them: the promoted standby does not wait for a standby of its own.
 */
export function primarySettings(): string[] {
  return [
    'wal_level=replica',
    'max_wal_senders=10',
    'synchronous_commit=on',
    `synchronous_standby_names=${STANDBY_NAME}`,
  ];
}

export interface Standby {
  readonly port: number;
  /** Its maintenance database, reached directly (not through the test's proxy). */
  readonly url: string;
  /** Ends recovery and waits until the standby accepts writes (pg_promote(wait => true)). */
  promote(): Promise<void>;
  /** Stops it at once and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

/** What the primary's pg_hba.conf needs for pg_basebackup and the standby's WAL receiver. */
const REPLICATION_LINE = 'host replication all 127.0.0.1/32 trust';

function allowReplication(primary: ThrowawayPostgres): void {
  const hba = join(primary.dataDir, 'pg_hba.conf');
  // initdb --auth=trust writes this line already; a server set up otherwise gets it here.
  if (/^host\s+replication\s+all\s+127\.0\.0\.1\/32\s+trust\s*$/m.test(readFileSync(hba, 'utf8'))) return;
  appendFileSync(hba, `\n${REPLICATION_LINE}\n`);
  runPostgresProgram('pg_ctl', ['-D', primary.dataDir, 'reload']);
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * Clones the primary (pg_basebackup -R: standby.signal and primary_conninfo), starts the clone on
 * its own port as a hot standby named STANDBY_NAME, and waits until the primary reports it as its
 * synchronous standby (pg_stat_replication.sync_state = 'sync').
 */
export async function startStandby(primary: ThrowawayPostgres): Promise<Standby> {
  allowReplication(primary);
  const dir = postgresOwnedDir('scim-pg-standby-');
  const data = join(dir, 'data');
  const port = await freePort();
  const stop = () => {
    try {
      runPostgresProgram('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']);
    } catch {
      // Not running (never started, or stopped already).
    }
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  };
  try {
    runPostgresProgram('pg_basebackup', [
      '-D',
      data,
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '--wal-method=stream',
      '--checkpoint=fast',
      '--no-sync',
      '-R',
    ]);
    // The primary knows its synchronous standby by application_name; this later line wins over
    // the primary_conninfo that -R wrote.
    appendFileSync(
      join(data, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${STANDBY_NAME}'\n`,
    );
    // max_connections must be at least the primary's (200, startThrowawayPostgres) on a hot standby.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off -c max_connections=200`;
    runPostgresProgram('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', options, 'start']);
    await vi.waitFor(
      async () => {
        const rows = await query<{ sync_state: string }>(
          primary.url,
          'SELECT sync_state FROM pg_stat_replication WHERE application_name = $1',
          [STANDBY_NAME],
        );
        if (rows[0]?.sync_state !== 'sync') throw new Error(`${STANDBY_NAME} is not the synchronous standby yet`);
      },
      { timeout: 30_000, interval: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    async promote() {
      const [row] = await query<{ promoted: boolean }>(
        url,
        'SELECT pg_promote(wait => true, wait_seconds => 60) AS promoted',
      );
      if (row?.promoted !== true) throw new Error(`${STANDBY_NAME} was not promoted within 60 s`);
    },
    stop,
  };
}
