// The control plane in a Kubernetes cluster: startControlPlane fed by the informer source, the CA
// rooted in a Secret and authenticating sidecars by TokenReview, leader election for singleton
// work (root creation, status and event writes), and the HTTPS webhook listener for /convert.
// Every replica serves discovery and CSRs.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { formatIssues } from '../../api/model/result.ts';
import { systemClock, type Clock, type Random } from '../../api/runtime/clock.ts';
import { createLogger } from '../../api/runtime/logger.ts';
import {
  createCa,
  DEFAULT_SKEW_MS,
  DEFAULT_WORKLOAD_TTL_MS,
  type CaAuthorities,
  type CertificateAuthority,
} from '../identity/ca.ts';
import { ensureCaSecret } from '../identity/ca-secret.ts';
import { watchCaSecret, type CaSecretWatch } from '../identity/ca-secret-watch.ts';
import { servingIdentity, type ServingIdentity } from '../identity/serving-cert.ts';
import { registerIdentityService } from '../identity/service.ts';
import { watchErrorsCounter } from '../admin/watch-metrics.ts';
import { tokenReviewValidator } from '../identity/token-review.ts';
import { leaseElector, type LeaderElector, type LeaderElectorOptions } from '../leader/lease-elector.ts';
import { startControlPlane, type ControlPlaneOptions, type RunningControlPlane } from '../runtime.ts';
import { CONVERSION_PATH } from '../../api/schema/crd/render.ts';
import { reviewConversion } from './kubernetes/conversion/review.ts';
import { kubeHttp, type KubeHttp } from '../sources/kube/kube-http.ts';
import { kubeSource, type KubeSource } from '../sources/kube/kube-source.ts';
import type { BackoffOptions } from '../sources/kube/resilient-informer.ts';
import { rootCaPublisher, type RootCaPublisher } from './kubernetes/root-ca-publisher.ts';
import { statusWriter } from './kubernetes/status-writer.ts';
import { startWebhookServer, type WebhookHandler, type WebhookServer } from './kubernetes/webhook-server.ts';

export interface KubeModeOptions extends Omit<
  ControlPlaneOptions,
  | 'configDir'
  | 'source'
  | 'extraServices'
  | 'trustBundle'
  | 'onCompiled'
  | 'sidecarEndpoints'
  | 'grpcCredentials'
> {
  readonly kubeConfig: KubeConfig;
  /** This replica's name (the pod name): the Lease holder identity and Event reporting instance. */
  readonly identity: string;
  /** Where the Lease and the CA Secret live (default weft-system). */
  readonly namespace?: string;
  readonly caSecretName?: string;
  readonly leaseName?: string;
  readonly lease?: Pick<LeaderElectorOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>;
  /** Serving certificate of the webhook listener; without it /convert is not served. */
  readonly webhook?: {
    readonly port: number;
    readonly certPem: string;
    readonly keyPem: string;
    /** More routes on the same listener, e.g. the injector's /inject (composed by the CLI). */
    readonly routes?: Readonly<Record<string, WebhookHandler>>;
  };
  readonly random?: Random;
  readonly backoff?: BackoffOptions;
  /** Poll interval while a follower waits for the leader to create the CA Secret (default 1 s). */
  readonly caPollMs?: number;
  /** How often every replica re-reads the CA Secret to follow a root rotation (default 10 s). */
  readonly caSecretWatchMs?: number;
  /**
   * How long a root replaced in the CA Secret stays trusted (default: the workload certificate
   * lifetime plus the CA's clock skew allowance, when every certificate it signed has expired).
   */
  readonly retiredRootTrustMs?: number;
  readonly watchPods?: boolean;
  /** Lifetime of the workload certificates this replica signs (default 24 h; `--cert-ttl`). */
  readonly workloadTtlMs?: number;
  /**
   * TLS on the gRPC port (discovery and CSRs) with a certificate from the mesh CA for the
   * control plane's SPIFFE ID (`serviceAccount`, default weft-control-plane, in `namespace`) and
   * these DNS names (default: controlPlaneDnsNames(namespace)); sidecars verify it with the trust
   * bundle. Absent: plaintext.
   */
  readonly grpcTls?: { readonly dnsNames?: readonly string[]; readonly serviceAccount?: string };
  /**
   * The leader publishes the trust bundle as ConfigMap weft-root-ca in every meshed namespace
   * (default true; needs the configmaps rules `weft install` grants).
   */
  readonly publishRootCa?: boolean | { readonly resyncMs?: number; readonly retryMs?: number };
}

export interface RunningKubeControlPlane extends RunningControlPlane {
  readonly elector: LeaderElector;
  readonly ca: CertificateAuthority;
  readonly source: KubeSource;
  readonly webhookAddress?: string;
  /** The gRPC listener's certificate, with grpcTls. */
  readonly serving?: ServingIdentity;
  readonly rootCa?: RootCaPublisher;
}

/** Leader election first: only the leader may create the CA root if the Secret is missing. */
const electAndLoadCa = async (
  o: KubeModeOptions,
  http: KubeHttp,
  clock: Clock,
  logger: Logger,
): Promise<{ elector: LeaderElector; ca: CertificateAuthority; authorities: CaAuthorities }> => {
  const namespace = o.namespace ?? 'weft-system';
  const trustDomain = o.trustDomain ?? 'cluster.local';
  const elector = leaseElector({
    http,
    namespace,
    name: o.leaseName ?? 'weft-control-plane',
    identity: o.identity,
    clock,
    logger,
    ...o.lease,
  });
  elector.start();
  await elector.settled();
  const authorities = await ensureCaSecret({
    http,
    namespace,
    name: o.caSecretName ?? 'weft-ca',
    trustDomain,
    clock,
    logger,
    mayCreate: () => elector.isLeader(),
    ...(o.caPollMs ? { pollMs: o.caPollMs } : {}),
  });
  if (!authorities.ok) {
    await elector.stop();
    throw new Error(`the CA Secret is not usable:\n${formatIssues(authorities.error)}`);
  }
  const ttl = o.workloadTtlMs !== undefined ? { workloadTtlMs: o.workloadTtlMs } : {};
  return {
    elector,
    ca: await createCa({ trustDomain, authorities: authorities.value, clock, logger, ...ttl }),
    authorities: authorities.value,
  };
};

interface Parts {
  readonly http: KubeHttp;
  readonly source: KubeSource;
  readonly ca: CertificateAuthority;
  readonly elector: LeaderElector;
  readonly clock: Clock;
  readonly logger: Logger;
}

const publisherOf = (option: KubeModeOptions['publishRootCa'], p: Parts): RootCaPublisher | undefined =>
  option === false
    ? undefined
    : rootCaPublisher({
        http: p.http,
        namespaces: () => p.source.meshedNamespaces(),
        trustBundle: () => p.ca.trustBundle(),
        isLeader: () => p.elector.isLeader(),
        clock: p.clock,
        logger: p.logger,
        ...(typeof option === 'object' ? option : {}),
      });

/** The names sidecars may dial the control plane's Service by (weft install names it weft-control-plane). */
export const controlPlaneDnsNames = (namespace: string, service = 'weft-control-plane'): string[] => [
  `${service}.${namespace}.svc`,
  `${service}.${namespace}.svc.cluster.local`,
];

const servingOf = (
  tls: NonNullable<KubeModeOptions['grpcTls']>,
  namespace: string | undefined,
  p: Pick<Parts, 'ca' | 'clock' | 'logger'>,
): Promise<ServingIdentity> =>
  servingIdentity({
    ...p,
    identity: {
      namespace: namespace ?? 'weft-system',
      serviceAccount: tls.serviceAccount ?? 'weft-control-plane',
    },
    dnsNames: tls.dnsNames ?? controlPlaneDnsNames(namespace ?? 'weft-system'),
  });

/** Every replica follows the CA Secret, so all sign with the same root after a rotation. */
const followCaSecret = (
  o: KubeModeOptions,
  initial: CaAuthorities,
  p: Pick<Parts, 'http' | 'ca' | 'clock' | 'logger'>,
  onUpdate: () => void,
): CaSecretWatch =>
  watchCaSecret({
    ...p,
    namespace: o.namespace ?? 'weft-system',
    name: o.caSecretName ?? 'weft-ca',
    initial,
    retiredTrustMs: o.retiredRootTrustMs ?? (o.workloadTtlMs ?? DEFAULT_WORKLOAD_TTL_MS) + DEFAULT_SKEW_MS,
    ...(o.caSecretWatchMs !== undefined ? { intervalMs: o.caSecretWatchMs } : {}),
    onUpdate,
  });

export const startKubeControlPlane = async (o: KubeModeOptions): Promise<RunningKubeControlPlane> => {
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? createLogger({ name: 'weft-control-plane' });
  const http = kubeHttp(o.kubeConfig);
  const { elector, ca, authorities } = await electAndLoadCa(o, http, clock, logger);

  const source = kubeSource({
    kubeConfig: o.kubeConfig,
    clock,
    random: o.random ?? Math.random,
    logger,
    ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.watchPods !== undefined ? { watchPods: o.watchPods } : {}),
  });
  const writer = statusWriter({
    http,
    objects: () => source.objects(),
    isLeader: () => elector.isLeader(),
    clock,
    logger,
    identity: o.identity,
    // Read after each compile; the first one runs inside startControlPlane, before `late.cp` is set.
    faults: () => late.cp?.status().faults ?? [],
    routes: () => late.cp?.status().routes ?? [],
  });
  const late: { cp?: RunningControlPlane } = {};
  const {
    kubeConfig: _kc,
    identity: _id,
    namespace: _ns,
    caSecretName: _cs,
    leaseName: _ln,
    lease: _l,
    webhook,
    random: _r,
    backoff: _b,
    caPollMs: _cp,
    caSecretWatchMs: _cw,
    retiredRootTrustMs: _rt,
    watchPods: _wp,
    workloadTtlMs: _ttl,
    grpcTls,
    publishRootCa,
    ...cpOptions
  } = o;
  const rootCa = publisherOf(publishRootCa, { http, source, ca, elector, clock, logger });
  const serving = grpcTls ? await servingOf(grpcTls, o.namespace, { ca, clock, logger }) : undefined;
  const cp = await startControlPlane({
    ...cpOptions,
    trustDomain: ca.trustDomain,
    source,
    // Which pods serve a Service is what EndpointSlices say, not who happens to be connected.
    sidecarEndpoints: false,
    ...(serving ? { grpcCredentials: serving.credentials } : {}),
    extraServices: (server, registry) =>
      registerIdentityService(server, ca, tokenReviewValidator({ http, logger }), { logger, registry }),
    trustBundle: () => ca.trustBundle(),
    onCompiled: (issues) => {
      writer.update(issues);
      rootCa?.sync(); // a namespace may have joined the mesh
    },
  });
  late.cp = cp;
  watchErrorsCounter(cp.metricsRegistry, () => source.informers());
  // A new leader writes the statuses the old one may have left behind.
  elector.onChange((leading) => {
    if (!leading) return;
    cp.refresh();
    rootCa?.resync();
  });
  if (elector.isLeader()) cp.refresh();
  const caWatch = followCaSecret(o, authorities, { http, ca, clock, logger }, () => {
    // Snapshots carry the bundle to sidecars, the ConfigMaps carry it to their mounted roots file.
    cp.refresh();
    rootCa?.sync();
    serving
      ?.followRoots()
      .catch((e: unknown) => logger.error({ err: e }, 'renewing the serving certificate failed'));
  });

  let hooks: WebhookServer | undefined;
  if (webhook)
    hooks = await startWebhookServer({
      host: o.host ?? '127.0.0.1',
      port: webhook.port,
      certPem: webhook.certPem,
      keyPem: webhook.keyPem,
      routes: {
        ...webhook.routes,
        [CONVERSION_PATH]: (body) => ({ status: 200, body: reviewConversion(body) }),
      },
      logger,
    });

  return {
    ...cp,
    elector,
    ca,
    source,
    ...(hooks ? { webhookAddress: hooks.address } : {}),
    ...(serving ? { serving } : {}),
    ...(rootCa ? { rootCa } : {}),
    async close() {
      caWatch.close();
      rootCa?.close();
      await hooks?.close();
      await cp.close();
      serving?.close();
      await writer.idle();
      await rootCa?.idle();
      await elector.stop();
    },
  };
};
