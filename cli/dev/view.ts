// The live terminal view of `weft dev`: a table refreshed every second with requests/s, success
// rate and p50/p99 per service and per backend. On a non-terminal it prints plain blocks.
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

export class LiveView {
  private lastLines = 0;
  private readonly out: NodeJS.WriteStream;
  constructor(out: NodeJS.WriteStream) {
    this.out = out;
  }
  draw(text: string): void {
    if (this.out.isTTY) {
      // move the cursor up over the previous table and redraw in place
      if (this.lastLines > 0) this.out.write(`\x1b[${this.lastLines}A\x1b[0J`);
      this.lastLines = text.split('\n').length;
    }
    this.out.write(`${text}\n`);
  }
}
