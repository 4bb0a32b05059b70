// End to end, real processes: `weft dev examples/canary` with a healthy catalog-v2 promotes it
// through every step with a passing window at each weight; with 20 % of its answers failing it is
// rolled back within two windows of the first bad one, and no request fails but the canary's own.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DevSummary } from '../../cli/dev/command.ts';
import type { CanaryStatus } from '../../control-plane/canary/canary-status.ts';
import { startDev, waitForState } from '../e2e/dev-harness.ts';

/** The example's steps; a deadline of 60 s after the mesh is up is the example's promise. */
const STEPS = [5, 10, 25, 50, 100];
const ROLLOUT_DEADLINE_MS = 60_000;

const withFailureRate = (rate: number) => async (meshDir: string) => {
  const file = join(meshDir, 'workloads.yaml');
  const yaml = await readFile(file, 'utf8');
  await writeFile(file, yaml.replace(/failureRate: 0\b/, `failureRate: ${rate}`));
};

/** Polls /status until the Canary has finished (bounded by the deadline), then stops weft dev. */
const runToEnd = async (rate: number): Promise<{ canary: CanaryStatus; summary: DevSummary }> => {
  const run = await startDev(['--json'], 'examples/canary', withFailureRate(rate));
  try {
    const state = await waitForState(run);
    const deadline = Date.now() + ROLLOUT_DEADLINE_MS;
    let canary: CanaryStatus | undefined;
    while (Date.now() < deadline) {
      const res = await fetch(`http://${state.controlPlane.adminAddress}/status`).catch(() => undefined);
      const body = (await res?.json()) as { canaries?: CanaryStatus[] } | undefined;
      canary = body?.canaries?.[0];
      if (canary?.phase === 'Promoted' || canary?.phase === 'RolledBack') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    run.proc.kill('SIGINT');
    expect(await run.exited, run.stderr()).toBe(0);
    const summary = JSON.parse(run.stdout().trim().split('\n').at(-1) as string) as DevSummary;
    return { canary: canary as CanaryStatus, summary };
  } finally {
    if (run.proc.exitCode === null) run.proc.kill('SIGKILL');
  }
};

const failures = (s: DevSummary, name: string): number => {
  const f = [...s.services, ...s.backends].find((x) => x.service === name);
  return f ? f.requests - f.success : 0;
};

describe('Canary in weft dev (examples/canary)', () => {
  it(
    'promotes a healthy catalog-v2 through every step, each with a passing window',
    { timeout: 150_000 },
    async () => {
      const { canary, summary } = await runToEnd(0);
      expect(canary.phase, canary.message).toBe('Promoted');
      expect(canary.weightHistory).toEqual(STEPS);
      for (const w of STEPS)
        expect(
          canary.analysis.some((a) => a.weight === w && a.verdict === 'pass'),
          `a pass at ${w} %`,
        ).toBe(true);
      expect(summary.canaries).toEqual([
        { name: 'catalog', namespace: 'demo', phase: 'Promoted', weightHistory: STEPS },
      ]);
      expect(failures(summary, 'frontend')).toBe(0);
    },
  );

  it(
    'rolls back a catalog-v2 failing 20 % within two windows of the first bad one',
    { timeout: 150_000 },
    async () => {
      const { canary, summary } = await runToEnd(0.2);
      expect(canary.phase, canary.message).toBe('RolledBack');
      expect(canary.weightHistory.at(-1)).toBe(0);
      const verdicts = canary.analysis.map((a) => a.verdict);
      const firstFail = verdicts.indexOf('fail');
      expect(firstFail).toBeGreaterThanOrEqual(0);
      // The roll-back is decided by the last recorded window: at most the second after the first failure.
      expect(verdicts.length - 1 - firstFail).toBeLessThanOrEqual(1);
      expect(summary.canaries[0]?.phase).toBe('RolledBack');
      // Moving weights fails nothing: v1 answered everything, and every failure the callers saw is v2's own.
      expect(failures(summary, 'catalog-v1')).toBe(0);
      expect(failures(summary, 'frontend')).toBeLessThanOrEqual(failures(summary, 'catalog-v2'));
      expect(failures(summary, 'catalog-v2')).toBeGreaterThan(0);
    },
  );
});
