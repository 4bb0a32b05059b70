// `weft canary`'s text: the rollout in a few lines and its latest windows as a table.
import type { CanaryStatus } from '../../control-plane/canary/canary-status.ts';

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null): string => (x === null ? '-' : x.toFixed(1));
const pad = (s: string, n: number): string => s.padEnd(n);

export const renderCanary = (c: CanaryStatus): string => {
  const refused = c.conditions.find((x) => x.status === 'False');
  const lines = [
    `${c.name}  service ${c.service}  via ${c.trafficRef}`,
    refused
      ? `refused: ${refused.message}`
      : `${c.phase} at step ${c.stepIndex}: canary ${c.canaryWeight} %, stable ${c.stableWeight} %  (weights ${c.weightHistory.join(' → ') || '-'})`,
    ...(c.message ? [c.message] : []),
    ...(c.releasedAt ? [`deleted at ${c.releasedAt}: its weights were left in place`] : []),
  ];
  if (c.analysis.length > 0) {
    lines.push(
      '',
      `${pad('WINDOW END', 26)}${pad('STEP', 6)}${pad('WEIGHT', 8)}${pad('VERDICT', 14)}${pad('REQ', 7)}${pad('SUCCESS', 9)}${pad('P99ms', 9)}${pad('STABLE P99', 11)}`,
    );
    for (const a of c.analysis)
      lines.push(
        `${pad(a.at, 26)}${pad(String(a.step), 6)}${pad(`${a.weight}%`, 8)}${pad(a.verdict, 14)}${pad(String(a.requests), 7)}${pad(pct(a.successRate), 9)}${pad(ms(a.p99Ms), 9)}${pad(ms(a.stableP99Ms), 11)}${a.reasons.join('; ')}`,
      );
  }
  return `${lines.join('\n')}\n`;
};
