// Kubernetes mode of `weft control-plane`: its flags, turned into the mode's options
// (control-plane/modes/kubernetes.ts), plus the injector's /inject handler for the shared webhook
// listener (15017), handed in from here because control-plane/ and injector/ may not import each
// other.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import {
  controlPlaneDnsNames,
  startKubeControlPlane,
  type KubeModeOptions,
} from '../../control-plane/modes/kubernetes.ts';
import type { RunningControlPlane } from '../../control-plane/runtime.ts';
import { Registry } from 'prom-client';
import { injectorMetrics } from '../../injector/app.ts';
import { answerReview } from '../../injector/inject/admission.ts';
import { WEBHOOK_PATH } from '../../injector/inject/webhook-config.ts';
import { withValues } from '../../injector/inject/values.ts';
import { envOption, portOption } from '../options.ts';
import { ownNamespace } from '../../control-plane/modes/kubernetes/own-namespace.ts';

/** The port of Service weft-control-plane that sidecars dial for discovery and CSRs. */
const GRPC_SERVICE_PORT = 15010;

export interface KubeFlags {
  kubeconfig?: string;
  inCluster?: boolean;
  identity?: string;
  /** Absent: where the pod runs (control-plane/modes/kubernetes/own-namespace.ts). */
  namespace?: string;
  webhookPort: number;
  webhookCertDir?: string;
  proxyImage?: string;
  /** --cert-ttl (shared with local mode): lifetime of the workload certificates signed. */
  certTtl?: number;
  grpcTls?: boolean;
}

export const wantsKube = (f: KubeFlags): boolean => f.inCluster === true || f.kubeconfig !== undefined;

export const addKubeOptions = (cmd: Command): Command =>
  cmd
    .addOption(envOption('--kubeconfig <file>', 'Kubernetes mode: watch the cluster of this kubeconfig'))
    .addOption(envOption('--in-cluster', 'Kubernetes mode: use the pod’s service account'))
    .addOption(envOption('--identity <name>', 'this replica’s name for leader election (default: host name)'))
    .addOption(
      envOption(
        '--namespace <ns>',
        'namespace of the Lease, the CA Secret and the control plane’s SPIFFE ID (default: the one it runs in: POD_NAMESPACE, else the service account’s namespace file, else weft-system)',
      ),
    )
    .addOption(portOption('--webhook-port <port>', 'HTTPS webhooks: /convert (CRDs), /inject (pods)', 15017))
    .addOption(
      envOption(
        '--webhook-cert-dir <dir>',
        'tls.crt and tls.key of the webhook listener (no webhooks without it)',
      ),
    )
    .addOption(envOption('--proxy-image <image>', 'sidecar image the injector adds to pods'))
    .addOption(
      envOption(
        '--grpc-tls',
        'Kubernetes mode: serve gRPC (discovery, CSRs) over TLS with a mesh-CA certificate for spiffe://<td>/ns/<namespace>/sa/weft-control-plane',
      ),
    );

const kubeConfigOf = (f: KubeFlags): KubeConfig => {
  const kc = new KubeConfig();
  if (f.inCluster) kc.loadFromCluster();
  else kc.loadFromFile(f.kubeconfig ?? '');
  return kc;
};

// Recorded like the standalone injector's; registered on the control plane's registry once it runs.
const hostedInjectorMetrics = injectorMetrics(new Registry());

const webhookOf = async (f: KubeFlags, namespace: string): Promise<KubeModeOptions['webhook']> => {
  if (!f.webhookCertDir) return undefined;
  // Injected sidecars verify the control plane (weft-root-ca) exactly when it serves TLS, and dial
  // its Service in the namespace it runs in (their default expected SPIFFE ID follows that name).
  const values = withValues({
    ...(f.proxyImage ? { image: f.proxyImage } : {}),
    controlPlaneTls: f.grpcTls === true,
    controlPlaneAddress: `${controlPlaneDnsNames(namespace)[0]}:${GRPC_SERVICE_PORT}`,
  });
  return {
    port: f.webhookPort,
    certPem: await readFile(join(f.webhookCertDir, 'tls.crt'), 'utf8'),
    keyPem: await readFile(join(f.webhookCertDir, 'tls.key'), 'utf8'),
    routes: {
      [WEBHOOK_PATH]: (body) => {
        const stop = hostedInjectorMetrics.duration.startTimer();
        const a = answerReview(body, values);
        hostedInjectorMetrics.reviews.inc({ outcome: a.outcome });
        stop();
        return { status: a.status, body: a.body };
      },
    },
  };
};

export const startFromKubeFlags = async (
  f: KubeFlags,
  common: Omit<KubeModeOptions, 'kubeConfig' | 'identity'>,
): Promise<RunningControlPlane> => {
  const own = ownNamespace({
    ...(f.namespace !== undefined ? { flag: f.namespace } : {}),
    ...(process.env.POD_NAMESPACE !== undefined ? { podNamespace: process.env.POD_NAMESPACE } : {}),
    inCluster: f.inCluster === true,
  });
  common.logger?.info({ namespace: own.namespace, from: own.from }, 'control plane namespace');
  const webhook = await webhookOf(f, own.namespace);
  const cp = await startKubeControlPlane({
    ...common,
    kubeConfig: kubeConfigOf(f),
    identity: f.identity ?? hostname(),
    namespace: own.namespace,
    ...(f.certTtl !== undefined ? { workloadTtlMs: f.certTtl } : {}),
    ...(f.grpcTls ? { grpcTls: {} } : {}),
    ...(webhook ? { webhook } : {}),
  });
  if (webhook) for (const m of Object.values(hostedInjectorMetrics)) cp.metricsRegistry.registerMetric(m);
  return cp;
};
