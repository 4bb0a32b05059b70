// The control plane's trust bundle reaches sidecars before their first CSR: the leader publishes
// ConfigMap weft-root-ca (root-cert.pem) in every meshed namespace, the file the injector mounts
// is handed to a real sidecar (`weft proxy` composition: startSidecar with --control-plane-ca), and
// the sidecar gets its certificate and its snapshot over TLS. A sidecar holding another root is
// refused and says why; once its file holds the right root (the kubelet rewrote the mount) it
// connects on the next reconnect, without a restart.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  controlPlaneCredentialsFromFile,
  ROOT_CA_CONFIGMAP,
  ROOT_CA_KEY,
} from '../../api/runtime/control-plane-tls.ts';
import { startSidecar, type RunningSidecar, type SidecarOptions } from '../../proxy/sidecar/start-sidecar.ts';
import { loopbackSidecar } from '../helpers/mesh.ts';
import { generateRoot } from '../../control-plane/identity/root.ts';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import { startKubeApiServer, waitFor, type KubeApiServer } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import { meshedNamespace, quietLogger, replicaOptions, service, signAsWeb } from './helpers.ts';

const logger = quietLogger();
const DNS = ['weft-control-plane.weft-system.svc'];
let api: KubeApiServer;
let cp: RunningKubeControlPlane;
let dir: string;
const sidecars: RunningSidecar[] = [];

beforeAll(async () => {
  api = await startKubeApiServer({ resources: loadCrds() });
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'outside' } });
  api.store.seed(meshedNamespace('shop'));
  api.store.seed(service('shop', 'web'));
  api.registerToken('web-token', { namespace: 'shop', serviceAccount: 'web', audiences: ['weft'] });
  cp = await startKubeControlPlane({ ...replicaOptions(api, 'cp-a', logger), grpcTls: { dnsNames: DNS } });
  dir = await mkdtemp(join(tmpdir(), 'weft-root-ca-'));
  await writeFile(join(dir, 'token'), 'web-token\n');
});
afterAll(async () => {
  for (const s of sidecars) await s.close();
  await cp?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const core = () => api.kubeConfig().makeApiClient(CoreV1Api);

/** root-cert.pem of weft-root-ca in `namespace`, or undefined while there is none. */
const published = async (namespace: string): Promise<string | undefined> =>
  core()
    .readNamespacedConfigMap({ name: ROOT_CA_CONFIGMAP, namespace })
    .then(
      (cm) => cm.data?.[ROOT_CA_KEY],
      () => undefined,
    );

const eventually = async (what: string, probe: () => Promise<boolean>, limitMs = 5_000) => {
  let ok = false;
  const poll = async () => void (ok = await probe());
  await poll();
  const deadline = Date.now() + limitMs;
  while (!ok) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
    await poll();
  }
};

/** The file the kubelet would project from the ConfigMap. */
const mountFile = async (name: string, pem: string): Promise<string> => {
  const file = join(dir, name);
  await writeFile(file, pem);
  return file;
};

const flags = (controlPlaneCa: string, tokenFile?: string): SidecarOptions =>
  loopbackSidecar('web-0', 'shop', {
    controlPlane: cp.grpcAddress,
    serviceAccount: 'web',
    appPort: 1,
    inboundMode: 'PERMISSIVE',
    controlPlaneCa,
    ...(tokenFile ? { tokenFile } : {}),
  });

/** A logger whose lines the test can read. */
const recordingLogger = () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, sink) };
};

const adminStatus = async (s: RunningSidecar, path: string) =>
  (await fetch(`http://127.0.0.1:${s.proxy.ports.admin}${path}`)).status;

describe('root CA ConfigMap and TLS from the sidecar CLI', () => {
  it('the leader publishes the trust bundle in meshed namespaces only, and in new ones', async () => {
    const bundle = cp.ca.trustBundle().join('');
    await eventually('weft-root-ca in shop', async () => (await published('shop')) === bundle);
    expect(await published('outside')).toBeUndefined();
    await core().patchNamespace({
      name: 'outside',
      body: [{ op: 'add', path: '/metadata/labels', value: { 'weft.io/inject': 'enabled' } }],
    });
    await eventually(
      'weft-root-ca in a namespace that joined',
      async () => (await published('outside')) === bundle,
    );
  });

  it('a sidecar given the published root gets its certificate and its snapshot over TLS', async () => {
    const file = await mountFile('root-cert.pem', (await published('shop')) ?? '');
    const sidecar = await startSidecar(flags(file, join(dir, 'token')), logger);
    sidecars.push(sidecar);
    expect(sidecar.identity?.certificateChain().length).toBeGreaterThan(0);
    await eventually('a snapshot', async () => (await adminStatus(sidecar, '/ready')) === 200);
    const config = (await (await fetch(`http://127.0.0.1:${sidecar.proxy.ports.admin}/config`)).json()) as {
      snapshot: { services: Record<string, unknown> };
    };
    expect(Object.keys(config.snapshot.services)).toContain('shop/web');
  });

  it('a sidecar with another root is refused and says why; fixing the file needs no restart', async () => {
    const other = await generateRoot({ trustDomain: 'cluster.local', clock: { wallNow: () => Date.now() } });
    const file = await mountFile('wrong-root.pem', other.certPem);
    // The CSR path: the error names the failed verification.
    const csr = await signAsWeb(cp.grpcAddress, controlPlaneCredentialsFromFile(file, cpId()));
    expect(csr).toMatch(/^UNAVAILABLE: .*unable to verify the first certificate/);

    const rec = recordingLogger();
    const sidecar = await startSidecar(flags(file), rec.logger);
    sidecars.push(sidecar);
    await waitFor(() => rec.lines.some((l) => l.includes('discovery stream')), 'a discovery failure logged');
    const why = rec.lines.find((l) => l.includes('discovery stream')) ?? '';
    expect(JSON.parse(why)).toMatchObject({
      controlPlaneCa: file,
      controlPlaneId: cpId(),
      details: expect.stringMatching(/unable to verify/),
    });
    expect(await adminStatus(sidecar, '/ready')).toBe(503);

    await writeFile(file, (await published('shop')) ?? '');
    await eventually(
      'a snapshot after the root file was fixed',
      async () => (await adminStatus(sidecar, '/ready')) === 200,
      8_000,
    );
  });

  it('refuses a control plane that presents another SPIFFE ID than --control-plane-identity', async () => {
    const file = await mountFile('root-cert.pem', (await published('shop')) ?? '');
    const expected = 'spiffe://cluster.local/ns/weft-system/sa/someone-else';
    const csr = await signAsWeb(cp.grpcAddress, controlPlaneCredentialsFromFile(file, expected));
    expect(csr).toContain(`the control plane's certificate names ${cpId()}, not ${expected}`);
  });

  it('start-up fails with the file named when it holds no certificate', async () => {
    const file = await mountFile('empty.pem', 'not a certificate\n');
    await expect(startSidecar(flags(file), logger)).rejects.toThrow(/empty\.pem.*no PEM certificate/);
  });
});

const cpId = () => 'spiffe://cluster.local/ns/weft-system/sa/weft-control-plane';
