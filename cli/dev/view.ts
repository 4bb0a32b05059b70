// The table of `weft dev`'s live view: requests/s, success rate and p50/p99 per service and per
// backend (drawn every second by mesh-view/live-view.ts).
import type { FlowSummary } from './latency-stats.ts';

export interface ViewRow extends FlowSummary {
  kind: 'service' | 'backend';
  rps: number;
  share?: number;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export const renderTable = (rows: readonly ViewRow[], header: string): string => {
  const lines = [
    header,
    `${pad('', 9)}${pad('NAME', 14)}${lpad('RPS', 8)}${lpad('SUCCESS', 9)}${lpad('P50ms', 9)}${lpad('P99ms', 9)}${lpad('SHARE', 8)}`,
  ];
  for (const r of rows) {
    const success = r.requests > 0 ? `${((100 * r.success) / r.requests).toFixed(1)}%` : '-';
    const share = r.share === undefined ? '' : `${(100 * r.share).toFixed(1)}%`;
    lines.push(
      `${pad(r.kind, 9)}${pad(r.service, 14)}${lpad(r.rps.toFixed(0), 8)}${lpad(success, 9)}${lpad(r.p50_ms.toFixed(2), 9)}${lpad(r.p99_ms.toFixed(2), 9)}${lpad(share, 8)}`,
    );
  }
  return lines.join('\n');
};
