// Shared by the Kubernetes-mode tests: a silent logger and object builders for the stand-in.
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { seededRandom } from '../../api/runtime/clock.ts';
import type { ChannelCredentialsSource } from '../../api/runtime/control-plane-tls.ts';
import type { KubeModeOptions } from '../../control-plane/modes/kubernetes.ts';
import { grpcCaSigner } from '../../proxy/identity/ca-client.ts';
import { makeCsr, spiffe } from '../identity/fixtures.ts';
import type { KubeApiServer, KubeObject } from '../kube-apiserver/index.ts';

export const quietLogger = (): Logger => pino({ level: process.env.WEFT_TEST_LOG ?? 'silent' });

/** A control-plane replica for tests: ephemeral ports, short debounce, back-off, polls and lease. */
export const replicaOptions = (api: KubeApiServer, identity: string, logger: Logger): KubeModeOptions => ({
  kubeConfig: api.kubeConfig(),
  identity,
  grpcPort: 0,
  adminPort: 0,
  logger,
  debounceMs: 10,
  random: seededRandom(identity.length),
  backoff: { baseMs: 20, maxMs: 200 },
  caPollMs: 20,
  lease: { retryPeriodMs: 200, renewDeadlineMs: 1_000, leaseDurationMs: 1_500 },
});

export const meshedNamespace = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'weft.io/inject': 'enabled' } },
});

/** weft-system, the meshed namespace shop with Service web, and web's token `web-token` (audience weft). */
export const seedShop = (api: KubeApiServer): void => {
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
  api.store.seed(meshedNamespace('shop'));
  api.store.seed(service('shop', 'web'));
  api.registerToken('web-token', { namespace: 'shop', serviceAccount: 'web', audiences: ['weft'] });
};

export const service = (namespace: string, name: string, port = 80, targetPort = 8080): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ports: [{ name: 'http', port, targetPort, appProtocol: 'http' }], clusterIP: '10.0.0.1' },
});

export interface SliceEndpoint {
  readonly ip: string;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
  /** The pod behind the address (targetRef), as the EndpointSlice controller writes it. */
  readonly pod?: string;
}

export const endpointSlice = (
  namespace: string,
  svc: string,
  endpoints: readonly SliceEndpoint[],
  port = 8080,
  suffix = 'a',
): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svc}-${suffix}`, namespace, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port, protocol: 'TCP' }],
  endpoints: endpoints.map((e) => ({
    addresses: [e.ip],
    conditions: {
      ready: e.ready ?? true,
      serving: e.serving ?? e.ready ?? true,
      terminating: e.terminating ?? false,
    },
    ...(e.pod ? { targetRef: { kind: 'Pod', namespace, name: e.pod } } : {}),
  })),
});

export const pod = (namespace: string, name: string, ip: string, serviceAccount?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: {
    containers: [{ name: 'app', image: 'app' }],
    ...(serviceAccount ? { serviceAccountName: serviceAccount } : {}),
  },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});

export const trafficSplit = (
  namespace: string,
  name: string,
  root: string,
  backends: Readonly<Record<string, number>>,
  apiVersion = 'split.smi-spec.io/v1alpha4',
): KubeObject => ({
  apiVersion,
  kind: 'TrafficSplit',
  metadata: { name, namespace },
  spec: {
    service: root,
    backends: Object.entries(backends).map(([service, weight]) => ({ service, weight })),
  },
});

/** A CSR for shop/web with `token` over `credentials`: 'signed', or the gRPC status name and details. */
export const signAsWeb = async (
  address: string,
  credentials: ChannelCredentialsSource,
  token = 'web-token',
): Promise<string> =>
  grpcCaSigner({ address, credentials, timeoutMs: 3_000 })
    .sign({ csr_pem: await makeCsr({ sans: [{ type: 'url', value: spiffe('shop', 'web') }] }), token })
    .then(
      () => 'signed',
      (e: grpc.ServiceError) => `${grpc.status[e.code]}: ${e.details}`,
    );
