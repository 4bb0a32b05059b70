// `weft canary` as a real process against a real control plane: status shows the rollout, resume
// passes a manual gate, abort rolls back, and an unknown Canary fails naming the known ones.
// The control plane's figures come from a stub source that passes every window, so the test
// is about the commands, not the analysis.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryStatus } from '../../control-plane/canary/canary-status.ts';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/runtime.ts';
import { eventually, quietLogger, tempConfigDir, type TempDir } from '../control-plane/helpers.ts';
import { repoRoot } from '../e2e/dev-harness.ts';

const run = promisify(execFile);
const weftCanary = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
  try {
    const r = await run(process.execPath, [join(repoRoot, 'cli/main.ts'), 'canary', ...args]);
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
};

const config = `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {name: catalog, namespace: demo}
spec: {service: catalog, backends: [{service: catalog-v1, weight: 100}, {service: catalog-v2, weight: 0}]}
---
apiVersion: policy.weft.io/v1alpha1
kind: Canary
metadata: {name: catalog, namespace: demo}
spec:
  targetRef: {kind: Service, name: catalog}
  trafficRef: {kind: TrafficSplit, name: catalog}
  stableBackend: catalog-v1
  canaryBackend: catalog-v2
  steps: [{weight: 10}, {gate: manual}, {weight: 50}, {gate: manual}, {weight: 100}]
  analysis: {interval: 100ms}
`;

let dir: TempDir;
let cp: RunningControlPlane;
const passing = { requests: 10, successRate: 1, p99Ms: 1 };

beforeAll(async () => {
  dir = await tempConfigDir({ 'mesh.yaml': config });
  cp = await startControlPlane({
    configDir: dir.dir,
    grpcPort: 0,
    adminPort: 0,
    logger: quietLogger(),
    canary: {
      scrapeIntervalMs: 100,
      metrics: {
        describe: 'stub',
        openWindow: async () => async () => ({ canary: passing, stable: passing }),
        openServiceWindow: async () => async () => passing,
      },
    },
  });
});
afterAll(async () => {
  await cp.close();
  await dir.remove();
});

const phaseOf = (): CanaryStatus | undefined => cp.status().canaries[0];

describe('weft canary', () => {
  it('shows, resumes past a gate, and aborts a rollout', { timeout: 30_000 }, async () => {
    await eventually(() => (phaseOf()?.phase === 'Paused' ? true : undefined), 10_000, 'the first gate');
    const status = await weftCanary('status', 'catalog', '--admin', cp.adminAddress, '-o', 'json');
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ name: 'demo/catalog', phase: 'Paused', canaryWeight: 10 });
    const text = await weftCanary('status', 'demo/catalog', '--admin', cp.adminAddress);
    expect(text.out).toMatch(/Paused at step 1: canary 10 %, stable 90 %/);

    const resumed = await weftCanary('resume', 'catalog', '-n', 'demo', '--admin', cp.adminAddress);
    expect(resumed.code, resumed.err).toBe(0);
    await eventually(() => (phaseOf()?.stepIndex === 3 ? true : undefined), 10_000, 'the second gate');
    expect(phaseOf()).toMatchObject({ phase: 'Paused', canaryWeight: 50 });

    const aborted = await weftCanary('abort', 'catalog', '--admin', cp.adminAddress, '-o', 'json');
    expect(JSON.parse(aborted.out)).toMatchObject({ phase: 'RolledBack', canaryWeight: 0 });
    expect(phaseOf()?.weightHistory).toEqual([10, 50, 0]);
  });

  it('fails naming the known Canaries when the name is unknown', async () => {
    const r = await weftCanary('promote', 'nope', '--admin', cp.adminAddress);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no Canary nope \(known: demo\/catalog\)/);
  });
});
