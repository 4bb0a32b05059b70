// Terminal table of `weft stat`: one line per service, its split backends indented below it.
import type { StatRow } from '../../api/metrics/figures.ts';

const ms = (s: number | null): string => (s === null ? '-' : (s * 1000).toFixed(1));
const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`;

const COLUMNS = ['NAME', 'RPS', 'SUCCESS', 'P50ms', 'P95ms', 'P99ms', 'SHARE'] as const;

export const renderStat = (rows: readonly StatRow[]): string => {
  const cells = rows.map((r) => [
    r.kind === 'backend' ? `  └ ${r.name}` : r.name,
    r.rps.toFixed(1),
    pct(r.success),
    ms(r.p50),
    ms(r.p95),
    ms(r.p99),
    r.kind === 'backend' ? pct(r.share) : '',
  ]);
  const table = [[...COLUMNS], ...cells];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((line) => (line[i] ?? '').length)));
  const lines = table.map((line) =>
    line
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return rows.length === 0 ? `${lines[0]}\n(no requests in the interval)` : lines.join('\n');
};
