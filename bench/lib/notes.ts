// The notes a results file opens with: what a reader must know before trusting its numbers.
import type { BenchOptions } from './args.ts';
import type { RowResult } from './types.ts';
import { runsBuilt } from './weft-build.ts';

export const runNotes = (o: BenchOptions, rows: readonly RowResult[], loadAverage1m: number): string[] => {
  const notes = [...o.notes];
  const baselines = (['h1', 'grpc'] as const)
    .filter((p) => rows.filter((r) => r.protocol === p).length > 1)
    .map((p) => (p === 'h1' ? 'direct' : 'direct-grpc'));
  if (baselines.length)
    notes.push(
      `${baselines.join(' and ')} ${baselines.length > 1 ? 'are' : 'is'} measured before and after the proxy rows; per rate the run with the lower p99 is the baseline`,
    );
  if (loadAverage1m > 0.5)
    notes.push(
      `the machine was not idle at start (1-min load average ${loadAverage1m.toFixed(2)}): expect noise, compare ratios rather than absolute figures`,
    );
  if (rows.some((r) => r.proxy === 'weft' && !r.unavailable))
    notes.push(
      runsBuilt()
        ? 'weft sidecars ran the bundle the image ships (npm run build)'
        : 'weft sidecars ran the .ts sources (WEFT_BENCH_FROM_SOURCE=1), not the build the image ships',
    );
  if (o.nice) notes.push(`every bench process ran at niceness ${o.nice} (--nice)`);
  if (o.only.length) notes.push(`partial run: --only ${o.only.join(',')}`);
  return notes;
};
