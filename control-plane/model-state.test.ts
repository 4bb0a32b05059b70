import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../api/runtime/clock.ts';
import { ModelState } from './model-state.ts';
import { parseFile } from './sources/dir/parse-file.ts';

const yaml = (faultDelay: string) => `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: demo }
spec: { ports: [{ port: 80 }] }
---
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: web, namespace: demo }
spec: { service: web, backends: [{ service: nope, weight: 1 }] }
---
apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: { name: chaos, namespace: demo }
spec: { targetRef: { kind: Service, name: web }, delay: { fixed: ${faultDelay} }, duration: 1m }
`;

const setup = () => {
  const clock = new ManualClock(1_000_000);
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
  const state = new ModelState({
    clock,
    logger: pino({ level: 'info' }, sink),
    clusterDomain: 'cluster.local',
    trustDomain: 'td',
  });
  const load = (text: string) =>
    state.setConfig({
      resources: parseFile('f.yaml', text, { defaultNamespace: 'default' }).resources,
      issues: [],
    });
  const endsAt = () => state.model.services.get('demo/web')?.faults?.[0]?.endsAtMs;
  return { clock, lines, state, load, endsAt };
};

describe('ModelState', () => {
  it('times a fault from when its version was first seen, on the injected clock', () => {
    const { clock, state, load, endsAt } = setup();
    load(yaml('10ms'));
    state.rebuild([]);
    expect(endsAt()).toBe(1_000_000 + 60_000);
    clock.advance(5_000);
    state.rebuild([]); // same version: the experiment keeps its end
    expect(endsAt()).toBe(1_060_000);
    load(yaml('20ms')); // an edited spec is a new experiment
    state.rebuild([]);
    expect(endsAt()).toBe(1_065_000);
  });

  it('times a fault from the start the leader recorded, over its own first sight (Kubernetes mode)', () => {
    const { state, endsAt } = setup();
    const text = yaml('10ms').replace(
      'name: chaos, namespace: demo',
      'name: chaos, namespace: demo, generation: 4',
    );
    const resources = parseFile('f.yaml', text, { defaultNamespace: 'default' }).resources;
    state.setConfig({ resources, issues: [] });
    state.rebuild([]);
    expect(endsAt()).toBe(1_000_000 + 60_000); // its own, until the record arrives
    state.setConfig({ resources, issues: [], faultStarts: new Map([['demo/chaos@4', 400_000]]) });
    state.rebuild([]);
    expect(endsAt()).toBe(460_000);
    expect(state.faultStatus()[0]?.startTime).toBe(new Date(400_000).toISOString());
    state.setConfig({ resources, issues: [], faultStarts: new Map([['demo/chaos@3', 1]]) }); // another generation
    state.rebuild([]);
    expect(endsAt()).toBe(460_000);
  });

  it('reports each fault experiment: active from first seen until start + duration, then ended', () => {
    const { clock, state, load } = setup();
    const forever = `
---
apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: { name: forever, namespace: demo }
spec: { targetRef: { kind: Service, name: web }, abort: { httpStatus: 503, percent: 5 } }
`;
    load(yaml('10ms') + forever);
    state.rebuild([]);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(state.faultStatus()).toEqual([
      {
        name: 'demo/chaos',
        target: 'demo/web',
        state: 'active',
        startTime: iso(1_000_000),
        endTime: iso(1_060_000),
      },
      { name: 'demo/forever', target: 'demo/web', state: 'active', startTime: iso(1_000_000) },
    ]);
    clock.advance(59_999);
    expect(state.faultStatus()[0]?.state).toBe('active');
    clock.advance(1); // no rebuild needed: the experiment ends on the clock alone
    expect(state.faultStatus().map((f) => f.state)).toEqual(['ended', 'active']);
    load(yaml('10ms'));
    state.rebuild([]);
    expect(state.faultStatus().map((f) => f.name)).toEqual(['demo/chaos']);
  });

  it('logs each cross-object issue once, however often the model is rebuilt', () => {
    const { lines, state, load } = setup();
    load(yaml('10ms'));
    state.rebuild([]);
    state.rebuild([]);
    expect(lines.filter((l) => l.includes('no Service demo/nope'))).toHaveLength(1);
    expect(state.issues()).toHaveLength(2); // the unknown backend, and the split left without backends
  });

  it('makes connected serving sidecars endpoints with their SPIFFE identity', () => {
    const { state, load } = setup();
    load(yaml('10ms'));
    state.rebuild([
      {
        workload: 'web-1',
        namespace: 'demo',
        service: 'web',
        serviceAccount: 'web',
        inbound: { host: '127.0.0.1', port: 4000 },
      },
    ]);
    expect(state.model.services.get('demo/web')?.endpoints).toEqual([
      { address: '127.0.0.1', port: 4000, workload: 'web-1', identity: 'spiffe://td/ns/demo/sa/web' },
    ]);
  });
});
