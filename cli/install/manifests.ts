// Every object `weft install` prints, in apply order: namespace, CRDs, RBAC, webhook TLS, the
// control-plane Deployment (2 replicas) + Service + PodDisruptionBudget, and the injector's
// MutatingWebhookConfiguration. Pure: flags in, objects out; deploy/ is rendered from it too.
import { crdObjects, gatewayApiCrdObjects } from '../../api/schema/crd/render.ts';
import { mutatingWebhookConfiguration } from '../../injector/inject/webhook-config.ts';
import { rbacObjects } from './rbac.ts';
import type { WebhookTls } from './webhook-tls.ts';

type Json = Record<string, unknown>;

export interface InstallOptions {
  readonly image: string;
  readonly trustDomain: string;
  readonly replicas: number;
  readonly namespace: string;
  /** Without it (deploy/), the webhook Secret and caBundles are left for the operator to supply. */
  readonly webhookTls?: WebhookTls;
  /** Also the Gateway API CRDs weft reads, for clusters that have none (see gateway-api.ts). */
  readonly gatewayApiCrds?: boolean;
}

export const NAMES = {
  controlPlane: 'weft-control-plane',
  lease: 'weft-control-plane',
  caSecret: 'weft-ca',
  webhookSecret: 'weft-webhook-tls',
} as const;

export const PORTS = { grpc: 15010, webhook: 15017, metrics: 15014 } as const;

const SELECTOR = { 'app.kubernetes.io/name': NAMES.controlPlane };
const LABELS = {
  ...SELECTOR,
  'app.kubernetes.io/part-of': 'weft',
  'app.kubernetes.io/component': 'control-plane',
};
const CERT_DIR = '/etc/weft/webhook-tls';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const container = (o: InstallOptions): Json => ({
  name: 'control-plane',
  image: o.image,
  args: [
    'control-plane',
    '--in-cluster',
    '--host=0.0.0.0',
    `--trust-domain=${o.trustDomain}`,
    `--webhook-cert-dir=${CERT_DIR}`,
    `--proxy-image=${o.image}`,
    // gRPC (discovery, CSRs) over TLS; sidecars verify it with the weft-root-ca ConfigMap.
    '--grpc-tls',
  ],
  env: [
    // The pod name is this replica's identity in leader election and Events.
    { name: 'WEFT_IDENTITY', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    // Its namespace holds the Lease and the CA Secret and names its SPIFFE ID.
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ],
  ports: [
    { name: 'grpc', containerPort: PORTS.grpc },
    { name: 'webhook', containerPort: PORTS.webhook },
    { name: 'metrics', containerPort: PORTS.metrics },
  ],
  readinessProbe: { httpGet: { path: '/ready', port: PORTS.metrics }, periodSeconds: 5 },
  livenessProbe: {
    httpGet: { path: '/ready', port: PORTS.metrics },
    initialDelaySeconds: 30,
    periodSeconds: 10,
  },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 1337,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  },
  volumeMounts: [{ name: 'webhook-tls', mountPath: CERT_DIR, readOnly: true }],
});

const deployment = (o: InstallOptions): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: NAMES.controlPlane, namespace: o.namespace, labels: LABELS },
  spec: {
    replicas: o.replicas,
    selector: { matchLabels: SELECTOR },
    template: {
      // The control plane itself is never injected.
      metadata: { labels: { ...LABELS, 'weft.io/inject': 'disabled' } },
      spec: {
        serviceAccountName: NAMES.controlPlane,
        // Replicas on different nodes, so one node failing leaves discovery and CSRs served.
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  labelSelector: { matchLabels: SELECTOR },
                  topologyKey: 'kubernetes.io/hostname',
                },
              },
            ],
          },
        },
        containers: [container(o)],
        volumes: [{ name: 'webhook-tls', secret: { secretName: NAMES.webhookSecret } }],
      },
    },
  },
});

const service = (o: InstallOptions): Json => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: NAMES.controlPlane, namespace: o.namespace, labels: LABELS },
  spec: {
    selector: SELECTOR,
    ports: [
      { name: 'grpc', port: PORTS.grpc, targetPort: 'grpc', appProtocol: 'grpc' },
      { name: 'webhook', port: PORTS.webhook, targetPort: 'webhook' },
      { name: 'metrics', port: PORTS.metrics, targetPort: 'metrics', appProtocol: 'http' },
    ],
  },
});

const pdb = (o: InstallOptions): Json => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: NAMES.controlPlane, namespace: o.namespace, labels: LABELS },
  spec: { minAvailable: 1, selector: { matchLabels: SELECTOR } },
});

const webhookSecret = (o: InstallOptions, tls: WebhookTls): Json => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { name: NAMES.webhookSecret, namespace: o.namespace, labels: LABELS },
  data: { 'tls.crt': b64(tls.certPem), 'tls.key': b64(tls.keyPem), 'ca.crt': b64(tls.caPem) },
});

export const installObjects = (o: InstallOptions): Json[] => {
  const conversion = {
    namespace: o.namespace,
    name: NAMES.controlPlane,
    port: PORTS.webhook,
    ...(o.webhookTls ? { caBundle: o.webhookTls.caPem } : {}),
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: o.namespace, labels: { 'app.kubernetes.io/part-of': 'weft' } },
    },
    ...crdObjects(conversion),
    ...(o.gatewayApiCrds ? gatewayApiCrdObjects() : []),
    ...rbacObjects({
      namespace: o.namespace,
      serviceAccount: NAMES.controlPlane,
      leaseName: NAMES.lease,
      caSecretName: NAMES.caSecret,
    }),
    ...(o.webhookTls ? [webhookSecret(o, o.webhookTls)] : []),
    deployment(o),
    service(o),
    pdb(o),
    mutatingWebhookConfiguration({
      caBundle: o.webhookTls ? b64(o.webhookTls.caPem) : '',
      serviceName: NAMES.controlPlane,
      namespace: o.namespace,
      port: PORTS.webhook,
    }),
  ];
};
