// weft installed on the real cluster as `weft install | kubectl apply -f -` leaves it, with the
// control plane running as `weft control-plane` processes (the Deployment's arguments, with
// --kubeconfig for --in-cluster) authenticated by bound tokens of their ServiceAccount, so every
// request they make passes the real RBAC. A replica listens on the weft-control-plane Service's
// cluster IP (a loopback address here, see cluster.ts), where the API server calls its webhooks.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AuthenticationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { controlPlaneCredentials } from '../../api/runtime/control-plane-tls.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import type { RealKube } from './cluster.ts';
import { startProcess, type ClusterProcess } from './process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
export const WEFT_NAMESPACE = 'weft-system';
export const CONTROL_PLANE = 'weft-control-plane';

/** `weft install | kubectl apply -f -`, then waits for the CRDs to be served. */
export const applyWeftInstall = async (kube: RealKube, ...installFlags: string[]): Promise<string> => {
  const { stdout } = await run(process.execPath, [join(ROOT, 'cli', 'main.ts'), 'install', ...installFlags], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const out = await kube.kubectl(['apply', '-f', '-'], { stdin: stdout });
  await kube.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  return out;
};

/** A bound token of a ServiceAccount from the TokenRequest API. */
export const serviceAccountToken = async (
  kube: RealKube,
  namespace: string,
  name: string,
  audiences?: readonly string[],
  expirationSeconds = 3600,
): Promise<string> => {
  const core = kube.kubeConfig().makeApiClient(CoreV1Api);
  const r = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { ...(audiences ? { audiences: [...audiences] } : {}), expirationSeconds } },
  });
  const token = r.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return token;
};

/** The service's cluster IP (where the API server sends webhook calls for it). */
export const clusterIp = async (kube: RealKube, namespace: string, name: string): Promise<string> => {
  const svc = await kube.kubeConfig().makeApiClient(CoreV1Api).readNamespacedService({ name, namespace });
  const ip = svc.spec?.clusterIP;
  if (!ip) throw new Error(`Service ${namespace}/${name} has no cluster IP`);
  return ip;
};

export interface ControlPlaneReplica {
  readonly identity: string;
  readonly host: string;
  readonly ports: { readonly grpc: number; readonly admin: number };
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  readonly identity: string;
  /** Listen address; default the weft-control-plane Service's cluster IP. */
  readonly host?: string;
  /** Serve /convert and /inject on 15017 (needs the host to be the cluster IP to be called). */
  readonly webhooks?: boolean;
  readonly extraArgs?: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts one `weft control-plane` process as the weft-control-plane ServiceAccount. */
export const startControlPlaneReplica = async (
  kube: RealKube,
  o: ReplicaOptions,
): Promise<ControlPlaneReplica> => {
  const dir = join(kube.dir, `weft-${o.identity}`);
  mkdirSync(dir, { recursive: true });
  const token = await serviceAccountToken(kube, WEFT_NAMESPACE, CONTROL_PLANE);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kube.tokenKubeConfig(token, WEFT_NAMESPACE).exportConfig(), { mode: 0o600 });
  const host = o.host ?? (await clusterIp(kube, WEFT_NAMESPACE, CONTROL_PLANE));
  const args = [
    join(ROOT, 'cli', 'main.ts'),
    'control-plane',
    `--kubeconfig=${kubeconfig}`,
    `--host=${host}`,
    `--namespace=${WEFT_NAMESPACE}`,
    '--grpc-port=0',
    '--admin-port=0',
    '--grpc-tls',
    `--identity=${o.identity}`,
    `--port-file=${join(dir, 'ports.json')}`,
    ...(o.webhooks ? await webhookArgs(kube, dir) : []),
    ...(o.extraArgs ?? []),
  ];
  const proc: ClusterProcess = startProcess(`weft-${o.identity}`, process.execPath, args, kube.dir);
  const portFile = join(dir, 'ports.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(portFile)) {
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`weft control plane ${o.identity} did not start; see ${proc.logFile}`);
    }
    await Promise.race([sleep(100), proc.exited]);
  }
  const ports = JSON.parse(readFileSync(portFile, 'utf8')) as { grpc: number; admin: number };
  return { identity: o.identity, host, ports, logFile: proc.logFile, stop: () => proc.stop() };
};

/** The install's webhook certificate (Secret weft-webhook-tls), as the Deployment mounts it. */
const webhookArgs = async (kube: RealKube, dir: string): Promise<string[]> => {
  const secret = await kube
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: 'weft-webhook-tls', namespace: WEFT_NAMESPACE });
  const certDir = join(dir, 'webhook-tls');
  mkdirSync(certDir, { recursive: true });
  for (const key of ['tls.crt', 'tls.key']) {
    const value = secret.data?.[key];
    if (!value) throw new Error(`Secret weft-webhook-tls has no ${key}`);
    writeFileSync(join(certDir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
  }
  return ['--webhook-port=15017', `--webhook-cert-dir=${certDir}`];
};

/** TokenReview as the control plane makes it: who the token names for audience `weft`. */
export const reviewToken = async (kube: RealKube, token: string, audiences: readonly string[]) => {
  const api = kube.kubeConfig().makeApiClient(AuthenticationV1Api);
  const r = await api.createTokenReview({
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences: [...audiences] },
    },
  });
  return r.status;
};

export const CONTROL_PLANE_ID = `spiffe://cluster.local/ns/${WEFT_NAMESPACE}/sa/${CONTROL_PLANE}`;

/** The mesh's root as the control plane publishes it in a meshed namespace (weft-root-ca). */
export const meshRootBundle = async (kube: RealKube, namespace: string): Promise<string> => {
  const core = kube.kubeConfig().makeApiClient(CoreV1Api);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const cm = await core.readNamespacedConfigMap({ name: 'weft-root-ca', namespace }).catch(() => undefined);
    const pem = cm?.data?.['root-cert.pem'];
    if (pem) return pem;
    if (Date.now() > deadline) throw new Error(`no weft-root-ca in ${namespace} after 60 s`);
    await sleep(200);
  }
};

/** A sidecar's discovery client on a replica, over TLS checked against the mesh's root. */
export const connectSidecarDiscovery = async (
  kube: RealKube,
  replica: ControlPlaneReplica,
  node: { readonly namespace: string; readonly workload: string; readonly serviceAccount: string },
): Promise<DiscoverySource> =>
  connectDiscovery({
    address: `${replica.host}:${replica.ports.grpc}`,
    node,
    logger: pino({ level: 'silent' }),
    credentials: controlPlaneCredentials([await meshRootBundle(kube, node.namespace)], CONTROL_PLANE_ID),
    backoff: { baseMs: 50, maxMs: 500 },
  });
