// Root rotation in Kubernetes mode: an operator stores a new root in the CA Secret. Every replica
// notices, signs with the new root at once and keeps the old one in the trust bundle for the
// overlap; the leader re-publishes weft-root-ca; a real sidecar (`weft proxy` composition with
// --control-plane-ca) moves to the new root and stays ready throughout. The control plane's own
// gRPC certificate keeps the old root while it is trusted (a sidecar whose mounted file still
// holds only the old root can open channels) and moves to the new root when the old one is dropped.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  controlPlaneCredentialsFromFile,
  ROOT_CA_CONFIGMAP,
  ROOT_CA_KEY,
} from '../../api/runtime/control-plane-tls.ts';
import { startSidecar, type RunningSidecar } from '../../proxy/sidecar/start-sidecar.ts';
import { loopbackSidecar } from '../helpers/mesh.ts';
import { generateRoot } from '../../control-plane/identity/root.ts';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import { grpcCaSigner } from '../../proxy/identity/ca-client.ts';
import { makeCsr, spiffe } from '../identity/fixtures.ts';
import { startKubeApiServer, type KubeApiServer } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import { quietLogger, replicaOptions, seedShop } from './helpers.ts';

const logger = quietLogger();
const DNS = ['weft-control-plane.weft-system.svc'];
const CP_ID = spiffe('weft-system', 'weft-control-plane');
// Long enough for a sidecar to notice the new root and renew (a few polls and pushes), short
// enough to watch the old root being dropped.
const OVERLAP_MS = 6_000;
let api: KubeApiServer;
const replicas: RunningKubeControlPlane[] = [];
let sidecar: RunningSidecar;
let dir: string;

/** Polls `check` every 20 ms until it holds; `limitMs` bounds the wait on other components. */
const waitFor = async (
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 8_000,
): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const core = () => api.kubeConfig().makeApiClient(CoreV1Api);
const published = async (): Promise<string | undefined> =>
  core()
    .readNamespacedConfigMap({ name: ROOT_CA_CONFIGMAP, namespace: 'shop' })
    .then(
      (cm) => cm.data?.[ROOT_CA_KEY],
      () => undefined,
    );
const signedBy = (pem: string | undefined, rootPem: string): boolean =>
  pem !== undefined && new X509Certificate(pem).verify(new X509Certificate(rootPem).publicKey);
const ready = async (): Promise<number> =>
  (await fetch(`http://127.0.0.1:${sidecar.proxy.ports.admin}/ready`)).status;

/** A CSR for shop/web over a fresh channel that trusts the roots in `file`: the leaf, or the error. */
const csrOver = async (file: string): Promise<string> => {
  const csr = await makeCsr({ sans: [{ type: 'url', value: spiffe('shop', 'web') }] });
  const signer = grpcCaSigner({
    address: replicas[0]!.grpcAddress,
    credentials: controlPlaneCredentialsFromFile(file, CP_ID),
    timeoutMs: 3_000,
  });
  return signer.sign({ csr_pem: csr, token: 'web-token' }).then(
    (r) => r.cert_chain_pem[0] ?? '',
    (e: Error) => `error: ${e.message}`,
  );
};

beforeAll(async () => {
  api = await startKubeApiServer({ resources: loadCrds() });
  seedShop(api);
  for (const name of ['cp-a', 'cp-b'])
    replicas.push(
      await startKubeControlPlane({
        ...replicaOptions(api, name, logger),
        ...(name === 'cp-a' ? { grpcTls: { dnsNames: DNS } } : {}),
        caSecretWatchMs: 50,
        retiredRootTrustMs: OVERLAP_MS,
      }),
    );
  dir = await mkdtemp(join(tmpdir(), 'weft-ca-rotation-'));
  await writeFile(join(dir, 'token'), 'web-token\n');
});
afterAll(async () => {
  await sidecar?.close();
  for (const r of replicas) await r.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('root rotation through the CA Secret', () => {
  it('every replica follows a new root; sidecars move to it and keep working; the old root is dropped after the overlap', async () => {
    const [cpA, cpB] = replicas as [RunningKubeControlPlane, RunningKubeControlPlane];
    const oldRoot = cpA.ca.trustBundle()[0]!;
    expect(cpB.ca.trustBundle()).toEqual([oldRoot]);
    await waitFor(async () => (await published()) === oldRoot, 'weft-root-ca with the first root');
    // The file the kubelet projects from weft-root-ca: updated by hand below, as it would be.
    const mounted = join(dir, 'root-cert.pem');
    await writeFile(mounted, oldRoot);
    const staleMount = join(dir, 'stale-root-cert.pem');
    await writeFile(staleMount, oldRoot);
    sidecar = await startSidecar(
      loopbackSidecar('web-0', 'shop', {
        controlPlane: cpA.grpcAddress,
        serviceAccount: 'web',
        appPort: 1,
        inboundMode: 'PERMISSIVE',
        controlPlaneCa: mounted,
        tokenFile: join(dir, 'token'),
      }),
      logger,
    );
    const identity = sidecar.identity!;
    await waitFor(async () => (await ready()) === 200, 'the sidecar ready');
    expect(signedBy(identity.certificateChain().at(-1), oldRoot)).toBe(true);
    // Every bundle the sidecar held, with whether its own certificate chained into it.
    const held: { bundle: readonly string[]; chainTrusted: boolean }[] = [];
    identity.onChange(() =>
      held.push({
        bundle: identity.trustBundle(),
        chainTrusted: identity.trustBundle().some((r) => signedBy(identity.certificateChain().at(-1), r)),
      }),
    );

    const newRoot = await generateRoot({
      trustDomain: 'cluster.local',
      clock: { wallNow: () => Date.now() },
    });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await core().replaceNamespacedSecret({
      name: 'weft-ca',
      namespace: 'weft-system',
      body: {
        metadata: { name: 'weft-ca', namespace: 'weft-system' },
        data: { 'cert.pem': b64(newRoot.certPem), 'key.pem': b64(newRoot.keyPem) },
      },
    });
    const rotatedAt = Date.now();

    // Both replicas: new root first (signs), old root still trusted.
    for (const r of replicas)
      await waitFor(() => r.ca.trustBundle()[0] === newRoot.certPem, 'a replica signing with the new root');
    expect(cpA.ca.trustBundle()).toEqual([newRoot.certPem, oldRoot]);
    expect(cpB.ca.trustBundle()).toEqual([newRoot.certPem, oldRoot]);
    // A sidecar whose mount still holds only the old root can still reach the control plane, and
    // what it is given is signed by the new root.
    const leaf = await csrOver(staleMount);
    expect(signedBy(leaf, newRoot.certPem), leaf).toBe(true);

    await waitFor(
      async () => (await published()) === newRoot.certPem + oldRoot,
      'weft-root-ca with both roots',
    );
    await writeFile(mounted, (await published()) ?? '');
    await waitFor(
      () => signedBy(identity.certificateChain().at(-1), newRoot.certPem),
      'the sidecar renewed under the new root',
    );
    expect(identity.trustBundle()).toEqual([newRoot.certPem, oldRoot]);
    expect(await ready()).toBe(200);
    // This part is only meaningful inside the overlap: the machine was fast enough to get here.
    expect(Date.now() - rotatedAt).toBeLessThan(OVERLAP_MS);

    // After the overlap: only the new root, everywhere; the gRPC certificate moved to it.
    for (const r of replicas)
      await waitFor(() => r.ca.trustBundle().length === 1, 'the old root dropped', OVERLAP_MS + 5_000);
    expect(Date.now() - rotatedAt).toBeGreaterThanOrEqual(OVERLAP_MS);
    expect(cpB.ca.trustBundle()).toEqual([newRoot.certPem]);
    await waitFor(
      () => signedBy(cpA.serving?.current().certChainPem[0], newRoot.certPem),
      'the serving certificate under the new root',
    );
    await waitFor(async () => (await published()) === newRoot.certPem, 'weft-root-ca with the new root only');
    await waitFor(() => identity.trustBundle().length === 1, 'the sidecar dropping the old root');
    expect(identity.trustBundle()).toEqual([newRoot.certPem]);
    await writeFile(mounted, (await published()) ?? '');
    expect(signedBy(await csrOver(mounted), newRoot.certPem)).toBe(true);
    expect(await csrOver(staleMount)).toMatch(/^error: .*UNAVAILABLE/);
    expect(await ready()).toBe(200);
    // The sidecar never held a bundle that did not trust its own certificate.
    expect(held.length).toBeGreaterThan(0);
    expect(held.filter((h) => !h.chainTrusted)).toEqual([]);
    expect((await readFile(mounted, 'utf8')).trim()).toBe(newRoot.certPem.trim());
  }, 40_000);
});
