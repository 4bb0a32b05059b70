import pino from 'pino';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { parseResource } from '../../api/schema/resources.ts';
import type { BackendFigures } from '../canary/analysis.ts';
import type { FaultStatus } from '../model-state.ts';
import type { SourcedResource } from '../sources/types.ts';
import { FaultGuard } from './fault-guard.ts';

const WINDOW = 2_000;
const fault = (
  abortIf = `{window: 2s, minRequests: 20, successRateFloor: 90, p99Ceiling: 500ms}`,
  percent = 50,
) =>
  `apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: {name: chaos, namespace: demo}
spec:
  targetRef: {kind: Service, name: catalog}
  abort: {httpStatus: 503, percent: ${percent}}
  abortIf: ${abortIf}`;
const resources = (doc: string): SourcedResource[] => {
  const r = parseResource(parse(doc), { defaultNamespace: 'default' });
  if (!r.ok || !r.value) throw new Error(JSON.stringify(r));
  return [{ resource: r.value, origin: 'f.yaml' }];
};
const active: FaultStatus = { name: 'demo/chaos', target: 'demo/catalog', state: 'active', startTime: 'x' };

const setup = (figures: () => BackendFigures, o: { leader?: boolean; active?: () => boolean } = {}) => {
  const clock = new ManualClock();
  const asked: string[] = [];
  let aborts = 0;
  const guard = new FaultGuard({
    clock,
    logger: pino({ level: 'silent' }),
    metrics: {
      describe: 'test',
      openWindow: () => Promise.reject(new Error('not used')),
      openServiceWindow: async (service) => {
        asked.push(service);
        return async () => figures();
      },
    },
    isLeader: () => o.leader ?? true,
    onAbort: () => aborts++,
    isActive: () => o.active?.() ?? true,
  });
  const windows = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
      clock.advance(WINDOW);
      for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
    }
  };
  return { guard, windows, asked, aborts: () => aborts };
};

describe('FaultGuard (FaultInjection abortIf)', () => {
  it('ends the experiment at the first window below the floor, and says why', async () => {
    const t = setup(() => ({ requests: 100, successRate: 0.5, p99Ms: 10 }));
    const config = resources(fault());
    t.guard.sync(config);
    await t.windows(1);
    expect(t.aborts()).toBe(1);
    expect(t.asked).toEqual(['demo/catalog']);
    expect(t.guard.overlay(config)).toEqual([]);
    const [status] = t.guard.decorate([active]);
    expect(status).toMatchObject({ state: 'ended', abortedBy: { requests: 100, successRate: 0.5 } });
    expect(status?.abortedBy?.reason).toMatch(/success rate 50.0 % is below the floor of 90 %/);
    await t.windows(2);
    expect(t.asked).toHaveLength(1); // an ended experiment is not measured again
  });

  it('ends it on the p99 ceiling too', async () => {
    const t = setup(() => ({ requests: 100, successRate: 1, p99Ms: 900 }));
    t.guard.sync(resources(fault()));
    await t.windows(1);
    expect(t.guard.decorate([active])[0]?.abortedBy?.reason).toMatch(
      /p99 900.0 ms is above the ceiling of 500 ms/,
    );
  });

  it('a harmless experiment, or one with too few requests, runs on window after window', async () => {
    let figures: BackendFigures = { requests: 100, successRate: 0.95, p99Ms: 10 };
    const t = setup(() => figures);
    const config = resources(fault());
    t.guard.sync(config);
    await t.windows(3);
    figures = { requests: 5, successRate: 0, p99Ms: 10 };
    await t.windows(2);
    expect(t.aborts()).toBe(0);
    expect(t.asked).toHaveLength(6);
    expect(t.guard.overlay(config)).toBe(config);
  });

  it('stops guarding once the experiment ended by its duration', async () => {
    let on = true;
    const t = setup(() => ({ requests: 100, successRate: 1, p99Ms: 1 }), { active: () => on });
    t.guard.sync(resources(fault()));
    await t.windows(1);
    on = false;
    await t.windows(3);
    expect(t.asked).toHaveLength(2);
  });

  it('a new version of the object is a new experiment; a follower measures nothing', async () => {
    const t = setup(() => ({ requests: 100, successRate: 0, p99Ms: 1 }));
    t.guard.sync(resources(fault()));
    await t.windows(1);
    const edited = resources(fault(undefined, 40));
    t.guard.sync(edited);
    expect(t.guard.overlay(edited)).toEqual(edited);
    const follower = setup(() => ({ requests: 100, successRate: 0, p99Ms: 1 }), { leader: false });
    follower.guard.sync(resources(fault()));
    await follower.windows(2);
    expect(follower.asked).toEqual([]);
  });

  it('abortIf without a floor or a ceiling is refused, naming the field', () => {
    const r = parseResource(parse(fault('{window: 2s}')), { defaultNamespace: 'default' });
    expect(!r.ok && r.error.map((i) => i.path)).toContain('FaultInjection demo/chaos: spec.abortIf');
  });
});
