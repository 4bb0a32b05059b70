import { pino } from 'pino';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { parseResource } from '../../api/schema/resources.ts';
import { faultVersionKey } from '../index/policies.ts';
import { ModelState } from '../model-state.ts';
import type { SourcedResource } from '../sources/types.ts';
import { FaultRamp, rampPercent } from './fault-ramp.ts';

const fault = (ramp: string, generation = '') => `apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: {name: chaos, namespace: demo${generation}}
spec:
  targetRef: {kind: Service, name: catalog}
  abort: {httpStatus: 503, percent: 50}
  delay: {fixed: 100ms}
  duration: 1m
  ramp: ${ramp}`;
const resources = (doc: string): SourcedResource[] => {
  const r = parseResource(parse(doc), { defaultNamespace: 'default' });
  if (!r.ok || !r.value) throw new Error(JSON.stringify(r));
  return [{ resource: r.value, origin: 'f.yaml' }];
};
const percents = (rs: readonly SourcedResource[]) => {
  const r = rs[0]?.resource;
  return r?.kind === 'FaultInjection' ? [r.spec.abort?.percent, r.spec.delay?.percent] : [];
};

describe('rampPercent', () => {
  it.each([
    [0, 5],
    [999, 5],
    [1_000, 20],
    [2_999, 20],
    [3_000, undefined],
  ])('at %i ms: %s', (elapsed, percent) => {
    expect(
      rampPercent(
        [
          { percent: 5, pause: 1_000 },
          { percent: 20, pause: 2_000 },
        ],
        elapsed,
      ),
    ).toBe(percent);
  });
});

describe('FaultRamp', () => {
  it('raises the percents step by step on the clock, asking for a recompile at each step end', () => {
    const clock = new ManualClock();
    let steps = 0;
    const ramp = new FaultRamp(clock, () => steps++);
    const config = resources(fault('[{percent: 5, pause: 10s}, {percent: 20, pause: 10s}]'));
    ramp.sync(config);
    expect(percents(ramp.overlay(config))).toEqual([5, 5]);
    clock.advance(10_000);
    expect(steps).toBe(1);
    expect(percents(ramp.overlay(config))).toEqual([20, 20]);
    clock.advance(10_000);
    expect(steps).toBe(2);
    expect(percents(ramp.overlay(config))).toEqual([50, undefined]); // the spec's own percents
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps the object’s version on the ramped copy, so its duration counts from the start', () => {
    const ramp = new FaultRamp(new ManualClock(), () => undefined);
    const withGeneration = resources(fault('[{percent: 5, pause: 10s}]', ', generation: 7'));
    ramp.sync(withGeneration);
    const copy = ramp.overlay(withGeneration)[0]?.resource;
    expect(copy?.meta.generation).toBe(7);
    const fromFile = resources(fault('[{percent: 5, pause: 10s}]'));
    ramp.sync(fromFile);
    const a = ramp.overlay(fromFile)[0]?.resource;
    if (a?.kind !== 'FaultInjection') throw new Error('not a fault');
    expect(faultVersionKey(a)).toMatch(/^demo\/chaos@\d+$/);
  });

  it('a new version ramps anew; a ramp that falls is refused naming the step', () => {
    const clock = new ManualClock();
    const ramp = new FaultRamp(clock, () => undefined);
    ramp.sync(resources(fault('[{percent: 5, pause: 10s}, {percent: 20, pause: 10s}]')));
    clock.advance(15_000);
    const edited = resources(fault('[{percent: 10, pause: 10s}, {percent: 20, pause: 10s}]'));
    ramp.sync(edited);
    expect(percents(ramp.overlay(edited))[0]).toBe(10);
    const r = parseResource(parse(fault('[{percent: 20, pause: 1s}, {percent: 10, pause: 1s}]')), {
      defaultNamespace: 'default',
    });
    expect(!r.ok && r.error.map((i) => i.path)).toContain('FaultInjection demo/chaos: spec.ramp[1].percent');
  });
});

describe('FaultRamp in the model', () => {
  it('the ramped fault ends when its status says, at every step', () => {
    const clock = new ManualClock();
    const ramp = new FaultRamp(clock, () => undefined);
    const state = new ModelState({
      clock,
      logger: pino({ level: 'silent' }),
      clusterDomain: 'cluster.local',
      trustDomain: 'cluster.local',
      overlay: (r) => ramp.overlay(r),
    });
    const config = [
      ...resources(
        `apiVersion: v1\nkind: Service\nmetadata: {name: catalog, namespace: demo}\nspec: {ports: [{port: 80}]}`,
      ),
      ...resources(fault('[{percent: 5, pause: 10s}]')),
    ];
    state.setConfig({ resources: config, issues: [] });
    ramp.sync(config);
    const endsAt = (): number | undefined => state.model.services.get('demo/catalog')?.faults?.[0]?.endsAtMs;
    state.rebuild([]);
    const expected = Date.parse(state.faultStatus()[0]?.endTime as string);
    expect(endsAt()).toBe(expected);
    clock.advance(10_000);
    state.rebuild([]);
    expect(endsAt()).toBe(expected);
  });
});
