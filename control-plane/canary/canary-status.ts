// A Canary as /status shows it (and, in Kubernetes mode, as its status subresource carries it):
// the rollout's phase, weights, history and latest windows, and whether the Canary was accepted.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { CanaryPhase, IntervalRecord, RolloutState } from './rollout.ts';

export interface CanaryCondition {
  readonly type: 'Accepted';
  readonly status: 'True' | 'False';
  readonly reason: 'Accepted' | 'Invalid';
  readonly message: string;
}

export interface CanaryStatus {
  /** `namespace/name` of the Canary. */
  readonly name: string;
  /** `namespace/name` of its Service. */
  readonly service: string;
  /** `Kind namespace/name` of the object whose weights it moves. */
  readonly trafficRef: string;
  readonly phase?: CanaryPhase;
  readonly canaryWeight?: number;
  readonly stableWeight?: number;
  readonly stepIndex?: number;
  readonly weightHistory: readonly number[];
  readonly failedIntervals?: number;
  readonly analysis: readonly IntervalRecord[];
  readonly message: string;
  readonly conditions: readonly CanaryCondition[];
  /** Set once the Canary was deleted: its last weights stay on the traffic object. */
  readonly releasedAt?: string;
}

export const acceptedCondition = (issues: readonly ConfigIssue[] | undefined): CanaryCondition =>
  issues && issues.length > 0
    ? {
        type: 'Accepted',
        status: 'False',
        reason: 'Invalid',
        message: `${issues.map((i) => `${i.path}: ${i.message}`).join('; ')} (traffic stays as it was)`,
      }
    : { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'the Canary is valid' };

export const rolloutFields = (s: RolloutState) => ({
  phase: s.phase,
  canaryWeight: s.weights.canary,
  stableWeight: s.weights.stable,
  stepIndex: s.stepIndex,
  weightHistory: s.weightHistory,
  failedIntervals: s.failedIntervals,
  analysis: s.analysis,
  message: s.message,
});
