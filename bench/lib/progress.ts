// One progress line per row on stderr while a run goes, so a human sees numbers as they come.
import type { RowResult } from './types.ts';

export const summaryLine = (r: RowResult): string => {
  if (r.unavailable) return `${r.name}: not available — ${r.unavailable.split('\n')[0]}`;
  const rates = Object.entries(r.rates)
    .map(([rate, x]) => `${rate}/s p50 ${x.latencyMs.p50.toFixed(2)} p99 ${x.latencyMs.p99.toFixed(2)} ms`)
    .join('; ');
  return [`${r.name}: ${Math.round(r.closedLoop?.rps ?? 0)} req/s max`, rates].filter(Boolean).join('; ');
};
