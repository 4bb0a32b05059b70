// The Canaries of a running `weft dev`, read from the control plane's /status: the live view's
// canary lines and the `canaries` part of `--json`.
import type { CanaryStatus } from '../../control-plane/canary/canary-status.ts';

export interface DevCanary {
  name: string;
  namespace: string;
  /** Progressing, Paused, Promoted or RolledBack; absent while the Canary is refused. */
  phase?: string;
  /** The canary backend's weights in the order they were set. */
  weightHistory: number[];
}

export const fetchCanaries = async (adminAddress: string): Promise<CanaryStatus[]> => {
  try {
    const res = await fetch(`http://${adminAddress}/status`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { canaries?: CanaryStatus[] };
    return body.canaries ?? [];
  } catch {
    return []; // the control plane is stopping or busy: no canary figures this time
  }
};

export const devCanaries = (all: readonly CanaryStatus[]): DevCanary[] =>
  all.map((c) => {
    const [namespace = '', name = ''] = c.name.split('/');
    return {
      name,
      namespace,
      ...(c.phase ? { phase: c.phase } : {}),
      weightHistory: [...c.weightHistory],
    };
  });

/** One line per Canary: phase, weights so far, and the latest window's verdict or why it is refused. */
export const canaryLines = (all: readonly CanaryStatus[]): string[] =>
  all.map((c) => {
    const refused = c.conditions.find((x) => x.status === 'False');
    if (refused) return `canary   ${c.name}: refused: ${refused.message}`;
    const last = c.analysis.at(-1);
    const window = last
      ? `; last window ${last.verdict} (${last.requests} req, success ${last.successRate === null ? '-' : `${(last.successRate * 100).toFixed(1)}%`})`
      : '';
    return `canary   ${c.name}: ${c.phase} at ${c.canaryWeight} % (weights ${c.weightHistory.join(' → ')})${window}`;
  });
