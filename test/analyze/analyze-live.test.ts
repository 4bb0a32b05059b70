// `weft analyze --kubeconfig` against the kube-apiserver stand-in: what the cluster holds is read
// through the control plane's own Kubernetes source, so a split backend without an EndpointSlice
// is found and disappears once its endpoints exist; an unreachable API server is a clear error.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeReport } from '../../cli/analyze/command.ts';
import { weft } from '../e2e/weft-cli.ts';
import { startKubeApiServer, type KubeApiServer } from '../kube-apiserver/index.ts';
import { loadCrds } from '../kube/crds.ts';
import { endpointSlice, meshedNamespace, service, trafficSplit } from '../kube/helpers.ts';

describe('weft analyze --kubeconfig', () => {
  let api: KubeApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await startKubeApiServer({ resources: loadCrds() });
    api.store.seed(meshedNamespace('shop'));
    for (const name of ['api', 'api-v1', 'api-v2']) api.store.seed(service('shop', name));
    api.store.seed(trafficSplit('shop', 'api', 'api', { 'api-v1': 90, 'api-v2': 10 }));
    api.store.seed(endpointSlice('shop', 'api-v1', [{ ip: '10.1.0.1' }]));
    kubeconfig = join(await mkdtemp(join(tmpdir(), 'weft-analyze-')), 'kubeconfig');
    await writeFile(kubeconfig, api.kubeConfig().exportConfig());
  });
  afterAll(() => api.close());

  it('finds a split backend without endpoints, then nothing once it has some', async () => {
    const before = await weft(['analyze', '--kubeconfig', kubeconfig, '-o', 'json']);
    const report = JSON.parse(before.stdout) as AnalyzeReport;
    expect(report.findings.map((f) => [f.check, f.object, f.field, f.source])).toEqual([
      [
        'split-backend-no-endpoints',
        'TrafficSplit shop/api',
        'spec.backends[1].service',
        expect.stringMatching(/^kube:\/\//),
      ],
    ]);
    expect(before.code).toBe(1);

    api.store.seed(endpointSlice('shop', 'api-v2', [{ ip: '10.1.0.2' }]));
    const after = await weft(['analyze', '--kubeconfig', kubeconfig]);
    expect([after.code, after.stdout.trim()]).toEqual([
      0,
      expect.stringMatching(/^✓ no findings in \d+ objects$/),
    ]);
  });

  it('says which API server it could not reach', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-analyze-'));
    const dead = join(dir, 'kubeconfig');
    // Port 1 on loopback: nothing listens there.
    await writeFile(
      dead,
      api
        .kubeConfig()
        .exportConfig()
        .replace(/http:\/\/127\.0\.0\.1:\d+/, 'http://127.0.0.1:1'),
    );
    const r = await weft(['analyze', '--kubeconfig', dead, '--timeout', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the API server at http:\/\/127\.0\.0\.1:1 did not answer a list within 2 s/);
  });
});
