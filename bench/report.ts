import type { Measurement } from './load.js';

export interface Row {
  readonly operation: string;
  readonly target: number;
  readonly ours: Measurement;
  readonly baseline: Measurement;
}

export const passes = (row: Row): boolean =>
  row.ours.failures === 0 && row.baseline.failures === 0 && row.ours.rps >= row.target * row.baseline.rps;

const HEADER = [
  'operation',
  'ours req/s',
  'p50 ms',
  'p99 ms',
  'minimal req/s',
  'p50 ms',
  'p99 ms',
  'ratio',
  'target',
  'result',
];

function cells(row: Row): string[] {
  const ratio = row.baseline.rps === 0 ? 0 : row.ours.rps / row.baseline.rps;
  const failed = row.ours.failures > 0 || row.baseline.failures > 0;
  return [
    row.operation,
    row.ours.rps.toFixed(0),
    String(row.ours.p50),
    String(row.ours.p99),
    row.baseline.rps.toFixed(0),
    String(row.baseline.p50),
    String(row.baseline.p99),
    `${ratio.toFixed(2)}×`,
    `≥${row.target.toFixed(1)}×`,
    passes(row) ? 'pass' : failed ? 'FAIL (errors)' : 'FAIL',
  ];
}

/** A plain-text table: the first column left-aligned, the numbers right-aligned. */
export function table(rows: readonly Row[]): string {
  const body = rows.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === 0 || i === values.length - 1 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(HEADER), rule, ...body.map(line)].join('\n');
}
