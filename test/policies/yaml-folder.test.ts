// Every traffic policy configured the way a user does it: YAML written into the folder of a real
// control plane (startControlPlane), pushed over gRPC to real sidecars (startProxy +
// connectDiscovery) in front of real apps. Each step edits the folder and checks that the
// behaviour changes: retries rescue a flaky backend; an abort fault shows in responses, on /faults
// and /status, ends on its own and stops when removed; splits and header matches move traffic;
// a breaker refuses request N+1; a failing endpoint is ejected.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxySnapshot, ServiceView } from '../../api/model/snapshot.ts';
import { systemClock, type Clock } from '../../api/runtime/clock.ts';
import {
  startControlPlane,
  type ControlPlaneStatus,
  type RunningControlPlane,
} from '../../control-plane/runtime.ts';
import { eventually, tempConfigDir, type TempDir } from '../control-plane/helpers.ts';
import { h1Call, type Reply } from '../helpers/http-clients.ts';
import { silent, startDiscoveredSidecar, type DiscoveredSidecar } from '../helpers/mesh.ts';
import { serviceYaml } from './compile.ts';
import {
  flakyPerRequest,
  startGatedApp,
  startPolicyApp,
  type GatedApp,
  type PolicyApp,
} from './policy-apps.ts';
import { measured } from './report.ts';

/** Real timers, and a wall clock the test can move forward (both sides read it, as NTP would). */
const skew = { ms: 0 };
const clock: Clock = { ...systemClock, wallNow: () => Date.now() + skew.ms };

type MeshSidecar = DiscoveredSidecar;

const SERVICES =
  ['catalog', 'catalog-v2', 'slow', 'pool', 'frontend'].map((s) => serviceYaml(s)).join('') +
  serviceYaml('catalog-v3', 81);

/** A TrafficPolicy for `service` with the given blocks (YAML flow mappings, one per line). */
const trafficPolicy = (service: string, blocks: string) => `
apiVersion: policy.weft.io/v1alpha1
kind: TrafficPolicy
metadata: { name: ${service}, namespace: demo }
spec:
  targetRef: { kind: Service, name: ${service} }
  ${blocks}
`;

const RETRIES = trafficPolicy(
  'catalog',
  'retries: { attempts: 3, backoff: { base: 1ms, max: 5ms }, budget: { ratio: 1, minPerSecond: 100 } }',
);

const fault = (duration: string) => `
apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: { name: catalog-chaos, namespace: demo }
spec:
  targetRef: { kind: Service, name: catalog }
  match: { headers: { x-chaos: "on" } }
  abort: { httpStatus: 418 }
  duration: ${duration}
`;

describe('traffic policies from a YAML folder', () => {
  let config: TempDir;
  let cp: RunningControlPlane;
  const apps: PolicyApp[] = [];
  const sidecars: MeshSidecar[] = [];
  let frontend: MeshSidecar;
  let slowApp: GatedApp;

  const sidecar = async (workload: string, service?: string, appPort = 1): Promise<MeshSidecar> => {
    const s = await startDiscoveredSidecar({
      address: cp.grpcAddress,
      node: { workload, namespace: 'demo', serviceAccount: workload, ...(service ? { service } : {}) },
      appPort,
      clock,
      seeds: { proxy: sidecars.length + 1, discovery: 7 },
    });
    sidecars.push(s);
    return s;
  };
  const serve = async (workload: string, service: string, app: PolicyApp): Promise<void> => {
    apps.push(app);
    await sidecar(workload, service, app.port);
  };

  /** Waits until the frontend sidecar runs a snapshot where `probe` holds. */
  const pushed = (what: string, probe: (services: Readonly<Record<string, ServiceView>>) => boolean) =>
    eventually(
      () => {
        const s: ProxySnapshot | undefined = frontend.discovery.current();
        return s && probe(s.services) ? true : undefined;
      },
      5_000,
      what,
    );
  const svc = (services: Readonly<Record<string, ServiceView>>, name: string) => services[`demo/${name}`];

  const call = (headers: Record<string, string> = {}, authority = 'catalog'): Promise<Reply> =>
    h1Call(frontend.proxy.ports.outbound, { authority, headers });
  let ids = 0;
  const successRate = async (n: number): Promise<number> => {
    let ok = 0;
    const worker = async (): Promise<void> => {
      for (let i = 0; i < n / 8; i++) if ((await call({ 'x-test-id': String(ids++) })).status === 200) ok++;
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return ok / n;
  };
  /**
   * Saves in place. KNOWN ISSUE (dir source, reported): Node's recursive fs.watch on Linux loses
   * a file replaced by rename (what config.write does), so deleting it afterwards goes unnoticed.
   */
  const edit = (name: string, text: string) => writeFile(join(config.dir, name), text);
  const get = async <T>(address: string, path: string): Promise<T> =>
    (await (await fetch(`http://${address}${path}`)).json()) as T;

  beforeAll(async () => {
    config = await tempConfigDir({ 'services.yaml': SERVICES });
    cp = await startControlPlane({
      configDir: config.dir,
      grpcPort: 0,
      adminPort: 0,
      logger: silent,
      clock,
      debounceMs: 20,
    });
    await serve('catalog-1', 'catalog', await startPolicyApp('catalog', flakyPerRequest(5, 0.3)));
    await serve('catalog-v2-1', 'catalog-v2', await startPolicyApp('catalog-v2', () => 200));
    await serve('catalog-v3-1', 'catalog-v3', await startPolicyApp('catalog-v3', () => 200));
    slowApp = await startGatedApp('slow');
    await serve('slow-1', 'slow', slowApp);
    // The failing replica answers at once, the good ones after 15 ms: a latency-aware balancer
    // favours the fast failure (why ejection matters), so it surely gets the first requests.
    const slowly = (status: number) => () => new Promise<number>((r) => setTimeout(() => r(status), 15));
    for (const [i, decide] of [slowly(200), slowly(200), () => 500].entries())
      await serve(`pool-${i + 1}`, 'pool', await startPolicyApp(`pool-${i + 1}`, decide));
    frontend = await sidecar('frontend');
    await pushed(
      'every endpoint',
      (s) => svc(s, 'pool')?.endpoints.length === 3 && svc(s, 'slow')?.endpoints.length === 1,
    );
  });
  afterAll(async () => {
    slowApp?.release();
    for (const s of sidecars.reverse()) await s.close();
    await cp?.close();
    for (const a of apps) await a.close();
    await config?.remove();
  });

  it('rescues a backend failing 30 % once a TrafficPolicy with retries is written', async () => {
    const before = await successRate(200);
    await config.write('catalog-policy.yaml', RETRIES);
    await pushed('the retry policy', (s) => svc(s, 'catalog')?.policy?.retries?.attempts === 3);
    const after = await successRate(1_000);
    measured('yaml: success without / with retries', `${before} / ${after}`);
    expect(before).toBeLessThan(0.8);
    expect(after).toBeGreaterThanOrEqual(0.99);
  });

  it('injects an abort fault, reports it, ends it after its duration, and stops it when removed', async () => {
    await config.write('fault.yaml', fault('5s'));
    await pushed('the fault', (s) => svc(s, 'catalog')?.faults?.length === 1);
    const chaos = { 'x-chaos': 'on', 'x-test-id': '1' };
    const hit = await call(chaos);
    expect([hit.status, hit.headers['x-weft-fault']]).toEqual([418, 'abort']);
    const status = await get<ControlPlaneStatus>(cp.adminAddress, '/status');
    const experiment = status.faults.find((f) => f.name === 'demo/catalog-chaos');
    expect(experiment?.state).toBe('active');
    expect(Date.parse(experiment?.endTime ?? '') - Date.parse(experiment?.startTime ?? '')).toBe(5_000);
    const page = await get<Record<string, unknown>>(`127.0.0.1:${frontend.proxy.ports.admin}`, '/faults');
    expect(page['demo/catalog-chaos']).toEqual({
      service: 'demo/catalog',
      active: true,
      endsAt: experiment?.endTime,
      delayed: 0,
      aborted: 1,
    });

    skew.ms += 5_000; // the experiment's end passes: nothing is pushed, it just stops
    expect((await call(chaos)).headers['x-weft-fault']).toBeUndefined();
    expect((await get<ControlPlaneStatus>(cp.adminAddress, '/status')).faults[0]?.state).toBe('ended');

    await edit('fault.yaml', fault('1h')); // an edited fault is a new experiment
    const firstEnd = Date.parse(experiment?.endTime ?? '');
    await pushed('the edited fault', (s) => svc(s, 'catalog')?.faults?.[0]?.endsAtMs !== firstEnd);
    expect((await call(chaos)).status).toBe(418);
    await rm(join(config.dir, 'fault.yaml'));
    await pushed('no fault', (s) => !svc(s, 'catalog')?.faults);
    expect((await call(chaos)).headers['x-weft-fault']).toBeUndefined();
    expect((await get<ControlPlaneStatus>(cp.adminAddress, '/status')).faults).toEqual([]);
  });

  it('moves traffic with a TrafficSplit, splits only Firefox users with an HTTPRouteGroup, skips a port-mismatched backend', async () => {
    const apps = async (n: number, headers: Record<string, string> = {}) => {
      const seen: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const app = String((await call({ ...headers, 'x-test-id': String(ids++) })).headers['x-app']);
        seen[app] = (seen[app] ?? 0) + 1;
      }
      return seen;
    };
    const split = (matches: string) => `
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: catalog, namespace: demo }
spec:
  service: catalog
  ${matches}
  backends: [{ service: catalog-v2, weight: 50 }, { service: catalog-v3, weight: 50 }]
---
apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: { name: firefox-users, namespace: demo }
spec:
  matches: [{ name: firefox, headers: { user-agent: ".*Firefox.*" } }]
`;
    await config.write('split.yaml', split(''));
    await pushed('the split', (s) => svc(s, 'catalog')?.split !== undefined);
    expect(await apps(50)).toEqual({ 'catalog-v2': 50 }); // catalog-v3 lacks port 80: left out
    const status = await get<ControlPlaneStatus>(cp.adminAddress, '/status');
    expect(status.issues.some((i) => i.message.includes('lacks port(s) 80'))).toBe(true);

    await edit('split.yaml', split('matches: [{ kind: HTTPRouteGroup, name: firefox-users }]'));
    await pushed('the matching split', (s) => svc(s, 'catalog')?.split?.matches !== undefined);
    expect(await apps(30, { 'user-agent': 'Mozilla/5.0 Gecko/20100101 Firefox/128.0' })).toEqual({
      'catalog-v2': 30,
    });
    const others = await apps(30, { 'user-agent': 'curl/8.5.0' });
    expect(Object.keys(others)).toEqual(['catalog']); // the root service (answers 200 or, rarely, 503)
    await rm(join(config.dir, 'split.yaml'));
    await pushed('no split', (s) => svc(s, 'catalog')?.split === undefined);
  });

  it('refuses request N+1 with CIRCUIT_OPEN once a circuitBreaker is written', async () => {
    await config.write('slow-policy.yaml', trafficPolicy('slow', 'circuitBreaker: { maxRequests: 2 }'));
    await pushed('the breaker', (s) => svc(s, 'slow')?.policy?.circuitBreaker?.maxRequests === 2);
    const held = [call({}, 'slow'), call({}, 'slow')];
    await eventually(() => (slowApp.inFlight === 2 ? true : undefined), 5_000, 'two requests held');
    const third = await call({}, 'slow');
    expect([third.status, third.headers['x-weft-error']]).toEqual([503, 'CIRCUIT_OPEN']);
    slowApp.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('ejects the failing endpoint once outlierDetection is written', async () => {
    const outlier = 'outlierDetection: { consecutive5xx: 3, baseEjectionTime: 1h }';
    await config.write('pool-policy.yaml', trafficPolicy('pool', outlier));
    await pushed('outlier detection', (s) => svc(s, 'pool')?.policy?.outlierDetection !== undefined);
    const bad = apps.find((a) => a.name === 'pool-3') as PolicyApp;
    const start = bad.requests;
    for (let i = 0; i < 100 && bad.requests < start + 3; i++) await call({}, 'pool');
    expect(bad.requests).toBe(start + 3);
    for (let i = 0; i < 50; i++) expect((await call({}, 'pool')).status).toBe(200);
    expect(bad.requests).toBe(start + 3);
  });
});
