import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { parseResource } from '../../api/schema/resources.ts';
import type { SourcedResource } from '../sources/types.ts';
import type { WindowFigures } from './analysis.ts';
import { CanaryController } from './controller.ts';
import type { MetricsSource } from './metrics-source.ts';
import { type CanaryStatusStore, fileStatusStore, memoryStatusStore } from './status-store.ts';

const INTERVAL = 1_000;
const split = `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {name: catalog, namespace: demo}
spec: {service: catalog, backends: [{service: catalog-v1, weight: 100}, {service: catalog-v2, weight: 0}]}`;
const canary = (name = 'catalog', steps = '[{weight: 10}, {weight: 50}, {weight: 100}]', interval = '1s') =>
  `apiVersion: policy.weft.io/v1alpha1
kind: Canary
metadata: {name: ${name}, namespace: demo}
spec:
  targetRef: {kind: Service, name: catalog}
  trafficRef: {kind: TrafficSplit, name: catalog}
  stableBackend: catalog-v1
  canaryBackend: catalog-v2
  steps: ${steps}
  analysis: {interval: ${interval}, minRequests: 10, successRateFloor: 99, failedIntervals: 2}`;

const resources = (...docs: string[]): SourcedResource[] =>
  docs.map((d) => {
    const r = parseResource(parse(d), { defaultNamespace: 'default' });
    if (!r.ok || !r.value) throw new Error(JSON.stringify(r));
    return { resource: r.value, origin: 'test.yaml' };
  });

const figures = (successRate: number): WindowFigures => ({
  canary: { requests: 100, successRate, p99Ms: 5 },
  stable: { requests: 100, successRate: 1, p99Ms: 5 },
});

const setup = (o: { store?: CanaryStatusStore; leader?: () => boolean; rate?: () => number } = {}) => {
  const clock = new ManualClock();
  let changes = 0;
  let windows = 0;
  const metrics: MetricsSource = {
    describe: 'test figures',
    openWindow: async () => {
      windows++;
      return async () => figures(o.rate?.() ?? 1);
    },
    openServiceWindow: async () => async () => figures(1).canary,
  };
  const c = new CanaryController({
    clock,
    logger: pino({ level: 'silent' }),
    metrics,
    scrapeIntervalMs: 500,
    store: o.store ?? memoryStatusStore(),
    onWeightsChanged: () => changes++,
    ...(o.leader ? { isLeader: o.leader } : {}),
  });
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  /** Runs `n` windows: each opens (async), then its timer fires on the manual clock. */
  const windowsPass = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await flush();
      clock.advance(INTERVAL);
      await flush();
    }
  };
  return { c, clock, windowsPass, changes: () => changes, windows: () => windows };
};

const splitWeights = (c: CanaryController) => c.weightsOverlay().get('TrafficSplit demo/catalog');

describe('CanaryController', () => {
  it('moves a healthy canary through every step to 100 % and records each window', async () => {
    const t = setup();
    t.c.sync(resources(split, canary()));
    expect(splitWeights(t.c)).toMatchObject({ canary: 10, stable: 90 });
    await t.windowsPass(3);
    const [s] = t.c.status();
    expect(s).toMatchObject({ phase: 'Promoted', canaryWeight: 100, weightHistory: [10, 50, 100] });
    expect(s?.analysis.map((a) => [a.weight, a.verdict, a.requests])).toEqual([
      [10, 'pass', 100],
      [50, 'pass', 100],
      [100, 'pass', 100],
    ]);
    expect(t.changes()).toBe(2); // 50 and 100; the first weight comes with the config change itself
    await t.windowsPass(2);
    expect(t.windows()).toBe(3); // a finished rollout runs no more windows
  });

  it('rolls back to stable 100 % at the second failed window', async () => {
    const t = setup({ rate: () => 0.7 });
    t.c.sync(resources(split, canary()));
    await t.windowsPass(1);
    expect(t.c.status()[0]).toMatchObject({ phase: 'Progressing', failedIntervals: 1, canaryWeight: 10 });
    await t.windowsPass(1);
    expect(t.c.status()[0]).toMatchObject({ phase: 'RolledBack', canaryWeight: 0, weightHistory: [10, 0] });
    expect(splitWeights(t.c)).toMatchObject({ canary: 0, stable: 100 });
  });

  it('resumes after a restart from the recorded step and weight, without skipping its analysis', async () => {
    const store = memoryStatusStore();
    const first = setup({ store });
    first.c.sync(resources(split, canary()));
    await first.windowsPass(1);
    first.c.close();
    const second = setup({ store });
    second.c.sync(resources(split, canary()));
    expect(splitWeights(second.c)).toMatchObject({ canary: 50 });
    expect(second.changes()).toBe(0);
    await second.windowsPass(1);
    expect(second.c.status()[0]).toMatchObject({ canaryWeight: 100, weightHistory: [10, 50, 100] });
    expect(second.c.status()[0]?.analysis.map((a) => a.weight)).toEqual([10, 50]);
  });

  it('a spec edit mid-rollout restarts analysis at the current weight', async () => {
    const t = setup({ rate: () => 0.7 });
    t.c.sync(resources(split, canary()));
    await t.windowsPass(1); // one failure at 10 %
    t.c.sync(resources(split, canary('catalog', '[{weight: 5}, {weight: 10}, {weight: 100}]')));
    expect(t.c.status()[0]).toMatchObject({ stepIndex: 1, canaryWeight: 10, failedIntervals: 0 });
    await t.windowsPass(1);
    expect(t.c.status()[0]).toMatchObject({ phase: 'Progressing', failedIntervals: 1 });
  });

  it('deleting the Canary leaves the weights where they are and says so', async () => {
    const t = setup();
    t.c.sync(resources(split, canary()));
    await t.windowsPass(1);
    t.c.sync(resources(split));
    expect(splitWeights(t.c)).toMatchObject({ canary: 50, stable: 50 });
    expect(t.c.status()[0]?.releasedAt).toBeDefined();
    await t.windowsPass(2);
    expect(t.windows()).toBe(2); // the window open at deletion, then none
    t.c.sync(resources(split));
    expect(splitWeights(t.c)).toMatchObject({ canary: 50 }); // unchanged split: weights stay
    t.c.sync(resources(split.replace('weight: 100}', 'weight: 80}')));
    expect(splitWeights(t.c)).toBeUndefined(); // edited by its owner: its own weights apply
    expect(t.c.status()).toEqual([]);
  });

  it('a follower keeps the weights but runs no analysis', async () => {
    const t = setup({ leader: () => false });
    t.c.sync(resources(split, canary()));
    await t.windowsPass(3);
    expect(t.windows()).toBe(0);
    expect(t.c.status()[0]).toMatchObject({ phase: 'Progressing', canaryWeight: 10 });
  });

  it('commands promote, pause and resume through the controller', async () => {
    const t = setup();
    t.c.sync(resources(split, canary()));
    expect(t.c.command('demo/catalog', 'pause')).toMatchObject({ ok: true, status: { phase: 'Paused' } });
    await t.windowsPass(2);
    expect(t.c.status()[0]).toMatchObject({ phase: 'Paused', canaryWeight: 10 });
    t.c.command('demo/catalog', 'resume');
    await t.windowsPass(1);
    expect(t.c.status()[0]).toMatchObject({ phase: 'Progressing', canaryWeight: 50 });
    expect(t.c.command('demo/catalog', 'promote')).toMatchObject({ ok: true, status: { phase: 'Promoted' } });
    expect(t.c.command('demo/nope', 'promote')).toMatchObject({ ok: false });
  });

  it.each([
    ['a missing TrafficSplit', [canary()], 'spec.trafficRef.name', /neither split nor routed/],
    [
      'a window shorter than the scrape',
      [split, canary('catalog', '[{weight: 10}]', '200ms')],
      'spec.analysis.interval',
      /scrape interval 500ms/,
    ],
    [
      'a second Canary on the Service',
      [split, canary('a'), canary('b')],
      'spec.targetRef',
      /already has the Canary demo\/a/,
    ],
  ])(
    'refuses %s with an issue naming the field, leaving the traffic alone',
    async (_what, docs, field, message) => {
      const t = setup();
      t.c.sync(resources(...docs));
      const issue = t.c.issues().find((i) => i.path.endsWith(field));
      expect(issue?.message).toMatch(message);
      const refused = t.c.status().find((s) => s.conditions[0]?.status === 'False');
      expect(refused?.conditions[0]?.message).toContain(field);
      if (docs.length < 3) expect(splitWeights(t.c)).toBeUndefined();
    },
  );
});

describe('fileStatusStore', () => {
  it('a restarted controller resumes from the file at the recorded weight', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'weft-canary-')), 'canaries.json');
    const first = setup({ store: fileStatusStore(file) });
    first.c.sync(resources(split, canary()));
    await first.windowsPass(2);
    first.c.close();
    const second = setup({ store: fileStatusStore(file) });
    second.c.sync(resources(split, canary()));
    expect(second.c.status()[0]).toMatchObject({ phase: 'Progressing', canaryWeight: 100, stepIndex: 2 });
    expect(splitWeights(second.c)).toMatchObject({ canary: 100, stable: 0 });
  });
});
