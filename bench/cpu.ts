import { readdirSync, readFileSync } from 'node:fs';

// Linux's USER_HZ: /proc reports CPU time in these ticks.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; undefined once it is gone. */
export function processCpu(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

const cpuOf = (pid: number): number => processCpu(pid) ?? 0;

// A backend's title: "postgres: 15/main: <user> <database> <client address> <state>".
const BACKEND = /^postgres: [^:]+: \S+ (\S+) (?:\d{1,3}(?:\.\d{1,3}){3}\(\d+\)|\[local\])/;

/**
 * The PostgreSQL server's processes on this machine, by their command name: its own (writer,
 * checkpointer, autovacuum, …) and, with `database`, only the backends connected to that one, so
 * that other work on the same server (another bench, a test run) does not count as ours.
 */
function postgresPids(database?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const backendOf = BACKEND.exec(title)?.[1];
      if (database === undefined || backendOf === undefined || backendOf === database) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export interface CpuUse {
  /** CPU seconds of the server under test. */
  readonly server: number;
  /** CPU seconds of every PostgreSQL process: the work the server's statements cost the database. */
  readonly postgres: number;
}

/**
 * What the server and PostgreSQL have used so far; the difference of two snapshots divided by
 * the requests in between is each side's CPU per request. Undefined where /proc is missing.
 */
export function cpuSnapshot(serverPid: number, database?: string): CpuUse | undefined {
  try {
    readdirSync('/proc');
  } catch {
    return undefined;
  }
  return { server: cpuOf(serverPid), postgres: postgresPids(database).reduce((sum, pid) => sum + cpuOf(pid), 0) };
}
