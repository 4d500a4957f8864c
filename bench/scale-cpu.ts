import pg from 'pg';
import { processCpu } from './cpu.js';

/**
 * CPU seconds used so far by each backend connected to one database, read from /proc. Like
 * cpu.ts's snapshot with a database, this leaves out the work of other databases on
 * a shared server: what one request costs the database shows even when the machine is busy.
 * Empty where /proc is missing.
 */
export async function backendCpu(url: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      const seconds = processCpu(pid);
      if (seconds !== undefined) cpu.set(pid, seconds);
    }
    return cpu;
  } finally {
    await client.end();
  }
}

/**
 * The CPU seconds the database's backends used between two snapshots: a backend that started in
 * between counts whole; one that ended in between is lost (the service's pool keeps its
 * connections open while it is busy).
 */
export function cpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
