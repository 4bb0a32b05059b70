// What differs in a cluster from local mode, through the CLI's Kubernetes composition
// (startFromKubeFlags) against the stand-in: --cert-ttl reaches the CA, and a connected sidecar
// is never an endpoint (EndpointSlices are).
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../api/runtime/clock.ts';
import { startFromKubeFlags } from '../../cli/control-plane-kube.ts';
import type { RunningControlPlane } from '../../control-plane/runtime.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { grpcCaSigner } from '../../proxy/identity/ca-client.ts';
import { makeCsr, spiffe } from '../identity/fixtures.ts';
import { startKubeApiServer, waitFor, type KubeApiServer } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import { endpointSlice, meshedNamespace, quietLogger, service } from './helpers.ts';

const logger = quietLogger();
let api: KubeApiServer;
let dir: string;
let cp: RunningControlPlane | undefined;
let sidecar: DiscoverySource | undefined;

beforeEach(async () => {
  api = await startKubeApiServer({ resources: loadCrds() });
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
  api.store.seed(meshedNamespace('shop'));
  api.store.seed(service('shop', 'web'));
  api.store.seed(endpointSlice('shop', 'web', [{ ip: '10.1.0.1' }]));
  dir = await mkdtemp(join(tmpdir(), 'weft-cluster-mode-'));
});
afterEach(async () => {
  await sidecar?.close();
  await cp?.close();
  sidecar = cp = undefined;
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

/** As `weft control-plane --kubeconfig FILE [--cert-ttl D]` would start it. */
const startCli = async (certTtl?: number): Promise<RunningControlPlane> => {
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeConfig().exportConfig(), { mode: 0o600 });
  cp = await startFromKubeFlags(
    {
      kubeconfig,
      identity: 'cp-a',
      namespace: 'weft-system',
      webhookPort: 0,
      ...(certTtl !== undefined ? { certTtl } : {}),
    },
    { grpcPort: 0, adminPort: 0, logger, debounceMs: 10, random: seededRandom(1) },
  );
  return cp;
};

describe('Kubernetes mode', () => {
  it('signs workload certificates for --cert-ttl', async () => {
    api.registerToken('web-token', { namespace: 'shop', serviceAccount: 'web', audiences: ['weft'] });
    const lifetimeOf = async (r: RunningControlPlane): Promise<number> => {
      const res = await grpcCaSigner({ address: r.grpcAddress, timeoutMs: 5_000 }).sign({
        csr_pem: await makeCsr({ sans: [{ type: 'url', value: spiffe('shop', 'web') }] }),
        token: 'web-token',
      });
      const leaf = new X509Certificate(res.cert_chain_pem[0]!);
      return Date.parse(leaf.validTo) - Date.now();
    };
    const r = await startCli(10 * 60_000);
    // notAfter = now + TTL (seconds precision, a few seconds of test time).
    expect(Math.abs((await lifetimeOf(r)) - 10 * 60_000)).toBeLessThan(5_000);
    await r.close();
    cp = undefined;
    const byDefault = await startCli();
    expect(Math.abs((await lifetimeOf(byDefault)) - 24 * 3_600_000)).toBeLessThan(5_000);
  });

  it('a connected sidecar that announces its Service is not an endpoint of it', async () => {
    const r = await startCli();
    sidecar = connectDiscovery({
      address: r.grpcAddress,
      node: {
        workload: 'web-0',
        namespace: 'shop',
        serviceAccount: 'web',
        service: 'web',
        inbound: { host: '127.0.0.9', port: 15006 },
      },
      logger,
      random: seededRandom(2),
    });
    await sidecar.ready();
    await waitFor(() => r.status().sidecars.length === 1, 'the sidecar registered');
    api.store.seed(endpointSlice('shop', 'web', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }]));
    const endpoints = () => (sidecar?.current()?.services['shop/web']?.endpoints ?? []).map((e) => e.address);
    await waitFor(() => endpoints().length === 2, 'the new slice');
    expect(endpoints()).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(r.status().issues).toEqual([]);
  });
});
