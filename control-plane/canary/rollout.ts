// A Canary's rollout as a pure state machine: where it starts, what one analysis window does to
// it, and what the commands (promote, abort, pause, resume) and a spec edit do. The controller
// applies `weights` to the traffic resource whenever they change and records the state as status.
import type { CanaryResource } from '../../api/schema/resources.ts';
import type { AnalysisResult } from './analysis.ts';

export type CanarySpec = CanaryResource['spec'];
export type CanaryPhase = 'Progressing' | 'Paused' | 'Promoted' | 'RolledBack';

export interface IntervalRecord {
  /** Wall-clock ISO time the window ended. */
  readonly at: string;
  readonly step: number;
  readonly weight: number;
  readonly verdict: AnalysisResult['verdict'];
  readonly requests: number;
  readonly successRate: number | null;
  readonly p99Ms: number | null;
  readonly stableP99Ms: number | null;
  readonly reasons: readonly string[];
}

export interface RolloutState {
  readonly phase: CanaryPhase;
  readonly stepIndex: number;
  /** Percent of the Service's traffic per backend, as last written. */
  readonly weights: { readonly stable: number; readonly canary: number };
  /** Why the rollout is paused: a manual gate step or a pause command. */
  readonly pausedBy?: 'gate' | 'command';
  /** Windows passed at the current step (the step ends at passesNeeded). */
  readonly passedAtStep: number;
  readonly failedIntervals: number;
  /** The canary's weights in the order they were set. */
  readonly weightHistory: readonly number[];
  /** The latest windows, oldest first (at most MAX_RECORDS). */
  readonly analysis: readonly IntervalRecord[];
  readonly specHash: string;
  readonly message: string;
}

export const MAX_RECORDS = 20;
export const DEFAULT_FAILED_INTERVALS = 2;

const withWeight = (s: RolloutState, canary: number, stable = 100 - canary): RolloutState =>
  s.weights.canary === canary && s.weights.stable === stable
    ? s
    : { ...s, weights: { stable, canary }, weightHistory: [...s.weightHistory, canary] };

/** Windows a step needs: its pause in whole intervals, at least one. */
export const passesNeeded = (spec: CanarySpec, stepIndex: number): number => {
  const pause = spec.steps[stepIndex]?.pause ?? 0;
  return Math.max(1, Math.ceil(pause / spec.analysis.interval));
};

const promoted = (spec: CanarySpec, s: RolloutState, why: string): RolloutState => {
  const final = spec.promote?.weights;
  const canary = final?.find((w) => w.service === spec.canaryBackend)?.weight ?? (final ? 0 : 100);
  const stable = final ? (final.find((w) => w.service === spec.stableBackend)?.weight ?? 0) : 0;
  const { pausedBy: _p, ...rest } = withWeight(s, canary, stable);
  return { ...rest, phase: 'Promoted', stepIndex: spec.steps.length, message: why };
};

const rolledBack = (s: RolloutState, why: string): RolloutState => {
  const { pausedBy: _p, ...rest } = withWeight(s, 0);
  return { ...rest, phase: 'RolledBack', message: why };
};

/** Enters step `i`: sets its weight, or pauses at a manual gate; past the last step, promotes. */
export const enterStep = (spec: CanarySpec, s: RolloutState, i: number): RolloutState => {
  const step = spec.steps[i];
  if (!step) return promoted(spec, s, 'every step passed its analysis');
  const { pausedBy: _p, ...rest } = s;
  const base = { ...rest, stepIndex: i, passedAtStep: 0 };
  if (step.weight === undefined)
    return { ...base, phase: 'Paused', pausedBy: 'gate', message: `waiting at the manual gate (step ${i})` };
  return {
    ...withWeight(base, step.weight),
    phase: 'Progressing',
    message: `step ${i}: canary at ${step.weight} %`,
  };
};

/** A new rollout: the stable backend keeps everything until step 0 sets the first weight. */
export const beginRollout = (spec: CanarySpec, specHash: string): RolloutState =>
  enterStep(
    spec,
    {
      phase: 'Progressing',
      stepIndex: 0,
      weights: { stable: 100, canary: 0 },
      passedAtStep: 0,
      failedIntervals: 0,
      weightHistory: [],
      analysis: [],
      specHash,
      message: '',
    },
    0,
  );

/** What one analysis window does: counts a pass towards the step, a failure towards roll-back. */
export const afterWindow = (spec: CanarySpec, s: RolloutState, r: IntervalRecord): RolloutState => {
  if (s.phase !== 'Progressing') return s;
  const recorded = { ...s, analysis: [...s.analysis, r].slice(-MAX_RECORDS) };
  if (r.verdict === 'fail') {
    const failed = s.failedIntervals + 1;
    const limit = spec.analysis.failedIntervals ?? DEFAULT_FAILED_INTERVALS;
    const next = { ...recorded, failedIntervals: failed };
    return failed >= limit
      ? rolledBack(next, `rolled back after ${failed} failed windows: ${r.reasons.join('; ')}`)
      : { ...next, message: `window failed (${failed} of ${limit}): ${r.reasons.join('; ')}` };
  }
  if (r.verdict === 'inconclusive') return { ...recorded, message: r.reasons.join('; ') };
  const passed = s.passedAtStep + 1;
  return passed >= passesNeeded(spec, s.stepIndex)
    ? enterStep(spec, recorded, s.stepIndex + 1)
    : { ...recorded, passedAtStep: passed };
};

const finished = (s: RolloutState): boolean => s.phase === 'Promoted' || s.phase === 'RolledBack';

export type RolloutCommand = 'promote' | 'abort' | 'pause' | 'resume';

/** A person's command; a finished rollout ignores them all. */
export const command = (spec: CanarySpec, s: RolloutState, c: RolloutCommand): RolloutState => {
  if (finished(s)) return s;
  if (c === 'promote') return promoted(spec, s, 'promoted by command');
  if (c === 'abort') return rolledBack(s, 'aborted by command');
  if (c === 'pause')
    return s.phase === 'Paused'
      ? s
      : { ...s, phase: 'Paused', pausedBy: 'command', message: 'paused by command' };
  if (s.phase !== 'Paused') return s;
  if (s.pausedBy === 'gate') return enterStep(spec, s, s.stepIndex + 1);
  const { pausedBy: _p, ...rest } = s;
  return { ...rest, phase: 'Progressing', passedAtStep: 0, message: `resumed at step ${s.stepIndex}` };
};

/**
 * The spec changed mid-rollout: analysis restarts at the step matching the current weight (the
 * first whose weight is at least it), so weights never move backwards. A finished rollout stays
 * finished: recreate the Canary to roll out again.
 */
export const specChanged = (spec: CanarySpec, s: RolloutState, specHash: string): RolloutState => {
  if (finished(s) || s.specHash === specHash) return { ...s, specHash };
  const at = spec.steps.findIndex((st) => st.weight !== undefined && st.weight >= s.weights.canary);
  const restarted = { ...s, specHash, failedIntervals: 0, passedAtStep: 0 };
  return enterStep(spec, restarted, at === -1 ? spec.steps.length : at);
};
