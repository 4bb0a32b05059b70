// One analysis window of a Canary, judged: a pure function of the spec's analysis and the figures
// the metrics source measured for the canary and the stable backend over the same window.
import type { CanaryResource } from '../../api/schema/resources.ts';

export type CanaryAnalysis = CanaryResource['spec']['analysis'];

/** One backend over one window, as the Service's callers saw it. */
export interface BackendFigures {
  readonly requests: number;
  /** 0–1; null without requests. */
  readonly successRate: number | null;
  /** Milliseconds; null without requests. */
  readonly p99Ms: number | null;
}

export interface WindowFigures {
  readonly canary: BackendFigures;
  readonly stable: BackendFigures;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface AnalysisResult {
  readonly verdict: Verdict;
  /** Why, in words a status reader understands; empty for a clean pass. */
  readonly reasons: readonly string[];
}

export const DEFAULT_MIN_REQUESTS = 1;

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The stable p99 to compare with: only from as many requests as the canary needs, else none. */
const stableP99 = (a: CanaryAnalysis, w: WindowFigures): number | null =>
  w.stable.requests >= (a.minRequests ?? DEFAULT_MIN_REQUESTS) ? w.stable.p99Ms : null;

const latencyFailure = (a: CanaryAnalysis, w: WindowFigures): string | undefined => {
  const ceiling = a.p99Ceiling;
  const p99 = w.canary.p99Ms;
  if (!ceiling || p99 === null) return undefined;
  if (ceiling.max !== undefined)
    return p99 > ceiling.max
      ? `p99 ${p99.toFixed(1)} ms is above the ceiling of ${ceiling.max} ms`
      : undefined;
  const stable = stableP99(a, w);
  const ratio = ceiling.stableRatio as number;
  if (stable === null) return undefined; // too little stable traffic in the window to compare with
  return p99 > stable * ratio
    ? `p99 ${p99.toFixed(1)} ms is above ${ratio} × the stable p99 of ${stable.toFixed(1)} ms`
    : undefined;
};

/** pass, fail (with every reason), or inconclusive when too few canary requests were seen. */
export const analyse = (a: CanaryAnalysis, w: WindowFigures): AnalysisResult => {
  const min = a.minRequests ?? DEFAULT_MIN_REQUESTS;
  if (w.canary.requests < min)
    return {
      verdict: 'inconclusive',
      reasons: [`${w.canary.requests} canary requests in the window, fewer than minRequests ${min}`],
    };
  const reasons: string[] = [];
  const floor = a.successRateFloor;
  const rate = w.canary.successRate;
  if (floor !== undefined && rate !== null && rate * 100 < floor)
    reasons.push(`success rate ${pct(rate)} is below the floor of ${floor} %`);
  const latency = latencyFailure(a, w);
  if (latency) reasons.push(latency);
  if (reasons.length > 0) return { verdict: 'fail', reasons };
  const noStable = a.p99Ceiling?.stableRatio !== undefined && stableP99(a, w) === null;
  const why = `${w.stable.requests} stable requests in the window, fewer than minRequests ${min}: p99 not compared`;
  return { verdict: 'pass', reasons: noStable ? [why] : [] };
};
