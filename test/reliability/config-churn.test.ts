// Config churn (processes): 100 edits of a TrafficSplit and a TrafficPolicy in the control
// plane's YAML folder while a client sidecar carries steady load to the split service. Every
// edit compiles into a new snapshot that replaces the client's stacks mid-traffic; 0 requests may
// fail, and the last edit is the one running at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../api/runtime/clock.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { eventually } from '../control-plane/helpers.ts';
import { stopAll } from '../mtls/processes.ts';
import {
  endpointsAre,
  ProcessMesh,
  serviceYaml,
  snapshotOf,
  trafficPolicyYaml,
  type SidecarProc,
} from './harness.ts';
import { report, startLoad } from './load.ts';

const RPS = 500;
const CHANGES = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const split = (v1: number, v2: number) => `
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: catalog, namespace: demo }
spec:
  service: catalog
  backends: [{ service: catalog-v1, weight: ${v1} }, { service: catalog-v2, weight: ${v2} }]
`;

/** Rule sets a change cycles through: none of them may turn a healthy request into a failure. */
const RULES = [
  'timeout: 5s',
  'retries: { attempts: 2, backoff: { base: 1ms, max: 5ms } }',
  'outlierDetection: { consecutive5xx: 5, baseEjectionTime: 1s }',
  'circuitBreaker: { maxRequests: 10000, maxPendingRequests: 10000 }',
  'timeout: 4s\n  retries: { attempts: 3, perTryTimeout: 2s }',
];

describe('config churn', () => {
  let mesh: ProcessMesh;
  const apps: App[] = [];
  let client: SidecarProc;

  beforeAll(async () => {
    mesh = await ProcessMesh.create({
      'services.yaml': ['catalog', 'catalog-v1', 'catalog-v2'].map((s) => serviceYaml(s)).join(''),
      'split.yaml': split(50, 50),
    });
    await mesh.startControlPlane();
    for (const v of ['v1', 'v2']) {
      const app = await startH1Echo(`catalog-${v}`);
      apps.push(app);
      await mesh.sidecar(`catalog-${v}`, { service: `catalog-${v}`, appPort: app.port });
    }
    client = await mesh.sidecar('client');
    await endpointsAre(client, 'catalog-v1', 1);
    await endpointsAre(client, 'catalog-v2', 1);
  }, 40_000);
  afterAll(async () => {
    await stopAll();
    for (const a of apps) await a.close();
    await mesh?.close();
  });

  it(`${CHANGES} TrafficSplit / TrafficPolicy edits under ${RPS} req/s fail no request`, async () => {
    const random = seededRandom(9);
    const load = startLoad({ port: client.ports.outbound, authority: 'catalog', rps: RPS, maxMs: 45_000 });
    const accepted = async () =>
      metricValue(await scrape(client.ports.metrics), 'weft_discovery_snapshots_total', {
        result: 'accepted',
      });
    const before = await accepted();
    const t0 = Date.now();
    let last = { v1: 0, v2: 0 };
    for (let i = 0; i < CHANGES; i++) {
      if (i % 2 === 0) {
        // Never both 0: a split with no weight left sends nothing, which is a config error, not churn.
        last = { v1: Math.floor(random() * 100), v2: 1 + Math.floor(random() * 100) };
        await mesh.writeConfig('split.yaml', split(last.v1, last.v2));
      } else {
        const rules = RULES[Math.floor(random() * RULES.length)] as string;
        await mesh.writeConfig(
          'policy.yaml',
          trafficPolicyYaml('catalog-v1', rules) + '---' + trafficPolicyYaml('catalog-v2', rules),
        );
      }
      // Past the control plane's two 100 ms debounces, so each edit becomes its own snapshot.
      await sleep(230 + random() * 40);
    }
    const weights = await eventually(
      async () => {
        const w = (await snapshotOf(client))?.services['demo/catalog']?.split?.backends.map((b) => b.weight);
        return w?.[0] === last.v1 && w?.[1] === last.v2 ? w : undefined;
      },
      10_000,
      'the last split to reach the client',
    );
    await sleep(500);
    const r = await load.stop();
    const applied = (await accepted()) - before;
    report(`${CHANGES} config changes (${applied} snapshots applied)`, r, (Date.now() - t0) / 1000);
    // Edits closer than the control plane's debounce would be coalesced; these are spaced to arrive one by one.
    expect(applied).toBeGreaterThanOrEqual(CHANGES * 0.8);
    expect(weights).toEqual([last.v1, last.v2]);
    expect(r.failed, r.errors.join('\n')).toBe(0);
    expect(r.ok).toBeGreaterThan(RPS * 3);
  }, 60_000);
});
