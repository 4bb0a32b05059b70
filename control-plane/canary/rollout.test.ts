import { describe, expect, it } from 'vitest';
import type { Verdict } from './analysis.ts';
import {
  afterWindow,
  beginRollout,
  command,
  type CanarySpec,
  type IntervalRecord,
  type RolloutState,
  specChanged,
} from './rollout.ts';

const spec = (over: Partial<CanarySpec> = {}): CanarySpec => ({
  targetRef: { kind: 'Service', name: 'catalog' },
  trafficRef: { kind: 'TrafficSplit', name: 'catalog' },
  stableBackend: 'v1',
  canaryBackend: 'v2',
  steps: [{ weight: 10 }, { weight: 50, pause: 2_500 }, { weight: 100 }],
  analysis: { interval: 1_000, minRequests: 1, successRateFloor: 99, failedIntervals: 2 },
  ...over,
});
const win = (verdict: Verdict, reasons: string[] = []): IntervalRecord => ({
  at: '2026-01-01T00:00:00.000Z',
  step: 0,
  weight: 0,
  verdict,
  requests: 10,
  successRate: 1,
  p99Ms: 1,
  stableP99Ms: 1,
  reasons,
});
const run = (sp: CanarySpec, s: RolloutState, verdicts: Verdict[]): RolloutState =>
  verdicts.reduce((acc, v) => afterWindow(sp, acc, win(v, v === 'fail' ? ['bad'] : [])), s);

describe('rollout', () => {
  it('begins at the first step’s weight', () => {
    const s = beginRollout(spec(), 'h');
    expect(s).toMatchObject({ phase: 'Progressing', stepIndex: 0, weights: { stable: 90, canary: 10 } });
    expect(s.weightHistory).toEqual([10]);
  });

  it('advances a step per pass, holding a step for ceil(pause / interval) passes, then promotes', () => {
    const sp = spec();
    const s = run(sp, beginRollout(sp, 'h'), ['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(s.phase).toBe('Promoted');
    expect(s.weightHistory).toEqual([10, 50, 100]);
    const atFifty = run(sp, beginRollout(sp, 'h'), ['pass', 'pass', 'pass']);
    expect(atFifty).toMatchObject({ stepIndex: 1, passedAtStep: 2, weights: { canary: 50 } });
  });

  it('an inconclusive window neither advances nor fails, and is recorded', () => {
    const sp = spec();
    const s = run(sp, beginRollout(sp, 'h'), ['inconclusive', 'inconclusive']);
    expect(s).toMatchObject({ stepIndex: 0, failedIntervals: 0, phase: 'Progressing' });
    expect(s.analysis).toHaveLength(2);
  });

  it('rolls back to stable 100 % at failedIntervals failures, counting across steps', () => {
    const sp = spec();
    const once = run(sp, beginRollout(sp, 'h'), ['fail']);
    expect(once).toMatchObject({ phase: 'Progressing', failedIntervals: 1, weights: { canary: 10 } });
    const s = run(sp, once, ['pass', 'fail']);
    expect(s).toMatchObject({ phase: 'RolledBack', weights: { stable: 100, canary: 0 } });
    expect(s.weightHistory).toEqual([10, 50, 0]);
    expect(s.message).toMatch(/2 failed windows: bad/);
  });

  it('failedIntervals defaults to 2', () => {
    const sp = spec({ analysis: { interval: 1_000 } });
    expect(run(sp, beginRollout(sp, 'h'), ['fail']).phase).toBe('Progressing');
    expect(run(sp, beginRollout(sp, 'h'), ['fail', 'fail']).phase).toBe('RolledBack');
  });

  it('hands the weights to spec.promote.weights on promotion', () => {
    const sp = spec({
      steps: [{ weight: 50 }],
      promote: {
        weights: [
          { service: 'v1', weight: 20 },
          { service: 'v2', weight: 80 },
        ],
      },
    });
    expect(run(sp, beginRollout(sp, 'h'), ['pass'])).toMatchObject({
      phase: 'Promoted',
      weights: { stable: 20, canary: 80 },
      weightHistory: [50, 80],
    });
  });

  it('pauses at a manual gate until resumed, and windows while paused change nothing', () => {
    const sp = spec({ steps: [{ weight: 10 }, { gate: 'manual' }, { weight: 100 }] });
    const gated = run(sp, beginRollout(sp, 'h'), ['pass', 'fail', 'fail']);
    expect(gated).toMatchObject({ phase: 'Paused', pausedBy: 'gate', stepIndex: 1, failedIntervals: 0 });
    const resumed = command(sp, gated, 'resume');
    expect(resumed).toMatchObject({ phase: 'Progressing', stepIndex: 2, weights: { canary: 100 } });
  });

  it('a pause command holds the step; resume restarts its analysis', () => {
    const sp = spec();
    const paused = command(sp, run(sp, beginRollout(sp, 'h'), ['pass', 'pass']), 'pause');
    expect(paused).toMatchObject({ phase: 'Paused', pausedBy: 'command', stepIndex: 1 });
    expect(command(sp, paused, 'pause')).toBe(paused);
    expect(command(sp, paused, 'resume')).toMatchObject({
      phase: 'Progressing',
      stepIndex: 1,
      passedAtStep: 0,
    });
    expect(command(sp, beginRollout(sp, 'h'), 'resume').phase).toBe('Progressing');
  });

  it('promote and abort end the rollout at once; a finished rollout ignores commands', () => {
    const sp = spec();
    const p = command(sp, beginRollout(sp, 'h'), 'promote');
    expect(p).toMatchObject({ phase: 'Promoted', weights: { canary: 100, stable: 0 } });
    const a = command(sp, beginRollout(sp, 'h'), 'abort');
    expect(a).toMatchObject({ phase: 'RolledBack', weights: { canary: 0, stable: 100 } });
    expect(command(sp, a, 'promote')).toBe(a);
  });

  it('a spec edit restarts analysis at the step of the current weight, never lowering it', () => {
    const sp = spec();
    const mid = run(sp, beginRollout(sp, 'h'), ['fail', 'pass', 'pass']); // at 50, one pass, one failure
    const edited = specChanged(spec({ steps: [{ weight: 5 }, { weight: 40 }, { weight: 60 }] }), mid, 'h2');
    expect(edited).toMatchObject({
      stepIndex: 2,
      weights: { canary: 60 },
      failedIntervals: 0,
      passedAtStep: 0,
    });
    const same = specChanged(sp, mid, 'h');
    expect(same).toEqual(mid);
    const beyond = specChanged(spec({ steps: [{ weight: 20 }] }), mid, 'h3');
    expect(beyond.phase).toBe('Promoted');
  });

  it('a finished rollout stays finished after a spec edit', () => {
    const sp = spec();
    const done = run(sp, beginRollout(sp, 'h'), ['fail', 'fail']);
    expect(specChanged(spec({ steps: [{ weight: 1 }] }), done, 'h2')).toMatchObject({
      phase: 'RolledBack',
      specHash: 'h2',
      weights: { canary: 0 },
    });
  });
});
