// What differs in a cluster from local mode, through the CLI's Kubernetes composition
// (startFromKubeFlags) against the stand-in: --cert-ttl reaches the CA, and a connected sidecar
// is never an endpoint (EndpointSlices are); and a FaultInjection is timed by the leader for
// every replica.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlPlaneCredentials } from '../../api/runtime/control-plane-tls.ts';
import { seededRandom, systemClock, type Clock } from '../../api/runtime/clock.ts';
import { startFromKubeFlags } from '../../cli/control-plane/kube-flags.ts';
import { defaultControlPlaneId } from '../../proxy/sidecar/control-plane-trust.ts';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import type { RunningControlPlane } from '../../control-plane/runtime.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { grpcCaSigner } from '../../proxy/identity/ca-client.ts';
import { makeCsr, spiffe } from '../identity/fixtures.ts';
import { startKubeApiServer, waitFor, type KubeApiServer, type KubeObject } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import {
  endpointSlice,
  meshedNamespace,
  quietLogger,
  replicaOptions,
  service,
  signAsWeb,
} from './helpers.ts';

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

/** As `weft control-plane --kubeconfig FILE [--cert-ttl D] [--grpc-tls] [--namespace NS]` would start it. */
const startCli = async (
  certTtl?: number,
  grpcTls?: boolean,
  /** null: no --namespace flag. */
  namespace: string | null = 'weft-system',
): Promise<RunningControlPlane> => {
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeConfig().exportConfig(), { mode: 0o600 });
  cp = await startFromKubeFlags(
    {
      kubeconfig,
      identity: 'cp-a',
      ...(namespace !== null ? { namespace } : {}),
      webhookPort: 0,
      ...(certTtl !== undefined ? { certTtl } : {}),
      ...(grpcTls ? { grpcTls } : {}),
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

  it('--grpc-tls: the gRPC port speaks TLS as spiffe://…/ns/weft-system/sa/weft-control-plane', async () => {
    api.registerToken('web-token', { namespace: 'shop', serviceAccount: 'web', audiences: ['weft'] });
    const r = await startCli(undefined, true);
    const secret = api.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'weft-system',
      name: 'weft-ca',
    });
    const root = Buffer.from((secret?.['data'] as Record<string, string>)['cert.pem']!, 'base64').toString();
    const sign = async (credentials: grpc.ChannelCredentials) =>
      (await signAsWeb(r.grpcAddress, credentials)).split(':')[0];
    expect(await sign(controlPlaneCredentials([root], spiffe('weft-system', 'weft-control-plane')))).toBe(
      'signed',
    );
    expect(await sign(grpc.credentials.createInsecure())).toBe('UNAVAILABLE');
  });

  it('without --namespace, the Lease, the CA Secret and the SPIFFE ID follow POD_NAMESPACE', async () => {
    api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesh-system' } });
    api.registerToken('web-token', { namespace: 'shop', serviceAccount: 'web', audiences: ['weft'] });
    const before = process.env.POD_NAMESPACE;
    process.env.POD_NAMESPACE = 'mesh-system';
    try {
      const r = (await startCli(undefined, true, null)) as RunningKubeControlPlane;
      const get = (kind: string, namespace: string, name: string) =>
        api.store.get({
          apiVersion: kind === 'Lease' ? 'coordination.k8s.io/v1' : 'v1',
          kind,
          namespace,
          name,
        });
      expect(get('Secret', 'mesh-system', 'weft-ca')).toBeDefined();
      expect(get('Secret', 'weft-system', 'weft-ca')).toBeUndefined();
      expect(get('Lease', 'mesh-system', 'weft-control-plane')).toBeDefined();
      const id = spiffe('mesh-system', 'weft-control-plane');
      const leaf = new X509Certificate(r.serving!.current().certChainPem[0]!);
      expect(leaf.subjectAltName?.split(', ')).toEqual(
        expect.arrayContaining([`URI:${id}`, 'DNS:weft-control-plane.mesh-system.svc']),
      );
      // What a sidecar dialing weft-control-plane.mesh-system.svc expects by default.
      expect(defaultControlPlaneId('cluster.local', 'weft-control-plane.mesh-system.svc:15010')).toBe(id);
      const sign = async (expected: string) =>
        (await signAsWeb(r.grpcAddress, controlPlaneCredentials(r.ca.trustBundle(), expected))).split(':')[0];
      expect(await sign(id)).toBe('signed');
      expect(await sign(spiffe('weft-system', 'weft-control-plane'))).toBe('UNAVAILABLE');
    } finally {
      if (before === undefined) delete process.env.POD_NAMESPACE;
      else process.env.POD_NAMESPACE = before;
    }
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

describe('FaultInjection expiry', () => {
  const replicas: RunningKubeControlPlane[] = [];
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.close()));
  });
  const replica = async (identity: string, clock: Clock): Promise<RunningKubeControlPlane> => {
    const r = await startKubeControlPlane({ ...replicaOptions(api, identity, logger), clock });
    replicas.push(r);
    return r;
  };
  const chaos = (delay: string): KubeObject => ({
    apiVersion: 'policy.weft.io/v1alpha1',
    kind: 'FaultInjection',
    metadata: { name: 'chaos', namespace: 'shop' },
    spec: { targetRef: { kind: 'Service', name: 'web' }, delay: { fixed: delay }, duration: '10m' },
  });
  const recorded = () =>
    api.store.get({
      apiVersion: 'policy.weft.io/v1alpha1',
      kind: 'FaultInjection',
      namespace: 'shop',
      name: 'chaos',
    })?.['status'] as { startTime?: string; endTime?: string; startedGeneration?: number } | undefined;
  const endsAt = (r: RunningKubeControlPlane) =>
    r.status().faults.find((f) => f.name === 'shop/chaos')?.endTime;

  it('every replica ends the experiment when the leader says, whatever its own clock', async () => {
    const leader = await replica('cp-a', systemClock);
    expect(leader.elector.isLeader()).toBe(true);
    // The follower's wall clock is an hour ahead: timing the fault itself, it would end it an hour late.
    const follower = await replica('cp-b', { ...systemClock, wallNow: () => Date.now() + 3_600_000 });
    api.store.seed(chaos('10ms'));
    await waitFor(() => recorded()?.startedGeneration === 1, 'the leader to record the start');
    const { startTime, endTime } = recorded()!;
    expect(Date.parse(endTime!) - Date.parse(startTime!)).toBe(600_000);
    await waitFor(() => endsAt(follower) === endTime, 'the follower to take the recorded end');
    expect(endsAt(leader)).toBe(endTime);

    // A spec change is a new experiment: a new record for generation 2.
    api.store.seed(chaos('20ms'));
    await waitFor(() => recorded()?.startedGeneration === 2, 'the second experiment recorded');
    await waitFor(() => endsAt(follower) === recorded()?.endTime, 'the follower to follow again');
  });
});
