// A real, throwaway Kubernetes control plane on loopback: etcd, kube-apiserver (fresh CA,
// service-account signing keys, Node+RBAC authorization, the default admission plugins, which
// include MutatingAdmissionWebhook) and kube-controller-manager (the controllers below). No kubelet
// and no scheduler: Pods stay unscheduled unless a test writes their status as a kubelet would.
// `npm run kube:up` and the tests in this folder start it through startRealKube().
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, type User } from '@kubernetes/client-node';
import type { CertKeyPair } from '../kube-apiserver/certs.ts';
import { ensureKubeBinaries, type KubeBinaries } from './binaries.ts';
import { writeClusterPki, type ClusterPki } from './pki.ts';
import { freePort } from '../../bench/lib/ports.ts';
import { logTail, startProcess, type ClusterProcess } from './process.ts';

const run = promisify(execFile);

/** The controllers the suites need; the others (Deployments, nodes, volumes…) have nothing to act on. */
export const CONTROLLERS = [
  'endpointslice-controller',
  'endpoints-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'garbage-collector-controller',
  'root-ca-certificate-publisher-controller',
] as const;

/**
 * Service cluster IPs come from a /24 inside 127.0.0.0/8, a different one per cluster: the API
 * server dials a webhook's Service at its cluster IP, so a webhook listening on that loopback
 * address is reached exactly as in a cluster, with the Service, port and TLS name `weft install`
 * wrote. (Endpoint routing cannot help: EndpointSlices may not hold loopback addresses.)
 */
const randomServiceRange = (): string => {
  const octet = (): number => 100 + Math.floor(Math.random() * 150);
  return `127.${octet()}.${octet()}.0/24`;
};

export interface RealKubeOptions {
  /** Cluster folder (certificates, etcd data, logs); default a new temporary folder, removed on stop. */
  readonly dir?: string;
  readonly binaries?: KubeBinaries;
  /** Service cluster IP range; default a random /24 in 127.0.0.0/8 (see randomServiceRange). */
  readonly serviceClusterIpRange?: string;
  /** Start-up deadline; the API server takes ~10–30 s on a loaded 2-core machine. */
  readonly timeoutMs?: number;
}

export interface ImpersonateOptions {
  /** A user name, e.g. system:serviceaccount:weft-system:weft-control-plane. */
  readonly impersonate?: string;
  /** The context's namespace; default "default". */
  readonly namespace?: string;
}

export interface RealKube {
  readonly dir: string;
  readonly url: string;
  readonly kubernetesVersion: string;
  /** The cluster CA: the API server's serving certificate and client certificates chain to it. */
  readonly caPem: string;
  readonly serviceClusterIpRange: string;
  /** An admin (system:masters) kubeconfig file. */
  readonly kubeconfigPath: string;
  readonly logs: Readonly<Record<'etcd' | 'kube-apiserver' | 'kube-controller-manager', string>>;
  /** A client-node KubeConfig for the admin, or impersonating another user. */
  kubeConfig(o?: ImpersonateOptions): KubeConfig;
  /** A client-node KubeConfig authenticating with a bearer token (e.g. from the TokenRequest API). */
  tokenKubeConfig(token: string, namespace?: string): KubeConfig;
  readonly kubectlPath: string;
  /** kubectl built from the same release, as the admin; rejects with its stderr on failure. */
  kubectl(args: readonly string[], o?: { stdin?: string }): Promise<string>;
  stop(): Promise<void>;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const makeKubeConfig = (url: string, caPem: string, user: User, namespace = 'default'): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'weft-kube-real', server: url, caData: b64(caPem) }],
    users: [user],
    contexts: [{ name: 'weft-kube-real', cluster: 'weft-kube-real', user: user.name, namespace }],
    currentContext: 'weft-kube-real',
  });
  return kc;
};

const certUser = (name: string, pair: CertKeyPair): User => ({
  name,
  certData: b64(pair.cert),
  keyData: b64(pair.key),
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GET a path as the admin: the status code, or 0 while nothing answers. */
const adminGet = (url: string, pki: ClusterPki, path: string): Promise<number> =>
  new Promise((resolve) => {
    const req = https.get(
      `${url}${path}`,
      { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, agent: false, timeout: 5_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });

/** Polls `check` until it holds, failing early when a process exits or the deadline passes. */
const waitFor = async (
  what: string,
  check: () => Promise<boolean>,
  deadline: number,
  processes: readonly ClusterProcess[],
): Promise<void> => {
  const crashed = Promise.race(processes.map((p) => p.exited));
  for (;;) {
    if (await Promise.race([check(), crashed])) return;
    if (Date.now() > deadline) {
      const logs = processes.map((p) => `${p.logFile}:\n${logTail(p.logFile, 10)}`).join('\n');
      throw new Error(`real kube: ${what} not within the start-up deadline; ends of the logs:\n${logs}`);
    }
    await Promise.race([sleep(250), crashed]);
  }
};

const etcdArgs = (dir: string, clientPort: number, peerPort: number): string[] => {
  const peer = `http://127.0.0.1:${peerPort}`;
  const client = `http://127.0.0.1:${clientPort}`;
  return [
    '--name=weft',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=weft=${peer}`,
    // A throwaway cluster: no durability needed, and fsync on a shared disk costs seconds.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
};

const apiServerArgs = (pki: ClusterPki, etcdPort: number, port: number, serviceRange: string): string[] => [
  `--etcd-servers=http://127.0.0.1:${etcdPort}`,
  '--bind-address=127.0.0.1',
  '--advertise-address=127.0.0.1',
  `--secure-port=${port}`,
  `--tls-cert-file=${pki.files.servingCert}`,
  `--tls-private-key-file=${pki.files.servingKey}`,
  `--client-ca-file=${pki.files.caCert}`,
  '--authorization-mode=Node,RBAC',
  `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
  `--service-account-key-file=${pki.files.serviceAccountPub}`,
  `--service-account-signing-key-file=${pki.files.serviceAccountKey}`,
  `--service-cluster-ip-range=${serviceRange}`,
  // The `kubernetes` Service's endpoint would be 127.0.0.1, which EndpointSlices may not hold.
  '--endpoint-reconciler-type=none',
  '--profiling=false',
];

const controllerManagerArgs = (pki: ClusterPki, kubeconfig: string): string[] => [
  `--kubeconfig=${kubeconfig}`,
  `--controllers=${CONTROLLERS.join(',')}`,
  // Each controller runs as its own service account (as kubeadm sets it up), so RBAC applies.
  '--use-service-account-credentials=true',
  `--service-account-private-key-file=${pki.files.serviceAccountKey}`,
  `--root-ca-file=${pki.files.caCert}`,
  '--leader-elect=false',
  '--secure-port=0',
];

/** Starts the cluster and waits until the API server is ready and the controllers act. */
export const startRealKube = async (o: RealKubeOptions = {}): Promise<RealKube> => {
  const binaries = o.binaries ?? (await ensureKubeBinaries());
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'weft-kube-real-'));
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  const processes: ClusterProcess[] = [];
  const serviceClusterIpRange = o.serviceClusterIpRange ?? randomServiceRange();
  const stop = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pki = writeClusterPki(dir);
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const url = `https://127.0.0.1:${apiPort}`;
    const admin = certUser('weft-admin', pki.admin);
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, makeKubeConfig(url, pki.ca.cert, admin).exportConfig(), { mode: 0o600 });
    const kcmKubeconfig = join(dir, 'kube-controller-manager.kubeconfig');
    const kcmUser = certUser('kube-controller-manager', pki.controllerManager);
    writeFileSync(kcmKubeconfig, makeKubeConfig(url, pki.ca.cert, kcmUser).exportConfig(), { mode: 0o600 });

    processes.push(startProcess('etcd', binaries.path('etcd'), etcdArgs(dir, etcdPort, peerPort), dir));
    processes.push(
      startProcess(
        'kube-apiserver',
        binaries.path('kube-apiserver'),
        apiServerArgs(pki, etcdPort, apiPort, serviceClusterIpRange),
        dir,
      ),
    );
    await waitFor(
      'kube-apiserver /readyz',
      async () => (await adminGet(url, pki, '/readyz')) === 200,
      deadline,
      processes,
    );
    processes.push(
      startProcess(
        'kube-controller-manager',
        binaries.path('kube-controller-manager'),
        controllerManagerArgs(pki, kcmKubeconfig),
        dir,
      ),
    );
    const core = makeKubeConfig(url, pki.ca.cert, admin).makeApiClient(CoreV1Api);
    // The service-account controller making `default` in `default` shows the controllers run.
    await waitFor(
      'the default ServiceAccount (kube-controller-manager)',
      () =>
        core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }).then(
          () => true,
          () => false,
        ),
      deadline,
      processes,
    );
    const kubectlEnv = { ...process.env, KUBECONFIG: kubeconfigPath };
    return {
      dir,
      url,
      kubernetesVersion: binaries.kubernetesVersion,
      caPem: pki.ca.cert,
      serviceClusterIpRange,
      kubeconfigPath,
      kubectlPath: binaries.path('kubectl'),
      logs: {
        etcd: join(dir, 'etcd.log'),
        'kube-apiserver': join(dir, 'kube-apiserver.log'),
        'kube-controller-manager': join(dir, 'kube-controller-manager.log'),
      },
      kubeConfig: (k = {}) =>
        makeKubeConfig(
          url,
          pki.ca.cert,
          k.impersonate ? { ...admin, impersonateUser: k.impersonate } : admin,
          k.namespace,
        ),
      tokenKubeConfig: (token, namespace) =>
        makeKubeConfig(url, pki.ca.cert, { name: 'token', token }, namespace),
      kubectl: async (args, k = {}) => {
        const child = run(binaries.path('kubectl'), [...args], {
          env: kubectlEnv,
          timeout: 60_000,
          maxBuffer: 16 * 1024 * 1024,
        });
        if (k.stdin !== undefined) child.child.stdin?.end(k.stdin);
        try {
          return (await child).stdout;
        } catch (e) {
          // Both streams: some answers (`auth can-i` → "no", exit 1) are on stdout.
          const err = e as Error & { stdout?: string; stderr?: string };
          const said = [err.stdout?.trim(), err.stderr?.trim()].filter(Boolean).join('\n');
          throw new Error(`kubectl ${args.join(' ')}: ${said || err.message}`, { cause: e });
        }
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
};
