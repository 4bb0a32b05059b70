// The two containers the mutation adds: `weft-init` (writes the capture rules, runs as root with
// NET_ADMIN/NET_RAW, then exits) and `weft-proxy` (the sidecar, UID 1337, no capabilities, read-only
// root file system). Both run the same image; the entrypoint is the weft CLI.
import { SIDECAR_NODE_OPTIONS } from '../../api/runtime/node-flags.ts';
import { stableStringify } from '../../api/convert/stable-json.ts';
import { ROOT_CA_CONFIGMAP, ROOT_CA_KEY } from '../../api/runtime/control-plane-tls.ts';
import {
  CERTS_VOLUME,
  INIT_CONTAINER,
  PROXY_CONTAINER,
  ROOT_CA_VOLUME,
  TOKEN_VOLUME,
} from './annotations.ts';
import { captureArgs } from './iptables-rules.ts';
import type { JsonObject } from './json.ts';
import type { Container, EnvVar, Volume } from './kube-types.ts';
import type { PodSettings } from './pod-settings.ts';
import type { OriginalProbe } from './probes.ts';
import type { InjectValues } from './values.ts';

export const TOKEN_DIR = '/var/run/secrets/weft/token';
export const CERTS_DIR = '/var/run/weft/certs';
/** The weft-root-ca ConfigMap: roots to verify the control plane by before the first CSR. */
export const ROOT_CA_DIR = '/var/run/weft/root-ca';
/** Audience of the projected token the sidecar presents to the control plane's CA. */
export const TOKEN_AUDIENCE = 'weft';

const fieldEnv = (name: string, fieldPath: string): EnvVar => ({
  name,
  valueFrom: { fieldRef: { fieldPath } },
});

const httpProbe = (path: string, port: number, extra: JsonObject): JsonObject => ({
  httpGet: { path, port, scheme: 'HTTP' },
  ...extra,
});

export const initContainer = (v: InjectValues, s: PodSettings): Container => ({
  name: INIT_CONTAINER,
  image: v.image,
  imagePullPolicy: v.imagePullPolicy,
  args: ['init', ...captureArgs(s.capture)],
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
  securityContext: {
    // iptables needs root and these two capabilities in the pod's network namespace, nothing more.
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    privileged: false,
    allowPrivilegeEscalation: false,
    // iptables-legacy takes a lock file under /run, so the root file system stays writable here.
    readOnlyRootFilesystem: false,
    capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    // The runtime's default syscall filter lets iptables through; Pod Security `restricted` asks
    // for it on every container, so only what iptables truly needs is left for it to name.
    seccompProfile: { type: 'RuntimeDefault' },
  },
});

export interface ProxyInputs {
  readonly settings: PodSettings;
  readonly appPort: number | undefined;
  readonly probes: Readonly<Record<string, OriginalProbe>>;
}

/** weft.io/access-log → WEFT_ACCESS_LOG (stdout) and its sample ratio; nothing when off. */
const accessLogEnv = (a: PodSettings['accessLog']): EnvVar[] =>
  a
    ? [
        { name: 'WEFT_ACCESS_LOG', value: 'true' },
        ...(a.sampleRatio !== undefined
          ? [{ name: 'WEFT_ACCESS_LOG_SAMPLE_RATIO', value: a.sampleRatio }]
          : []),
      ]
    : [];

const proxyEnv = (v: InjectValues, p: ProxyInputs): EnvVar[] => [
  { name: 'WEFT_CONTROL_PLANE', value: v.controlPlaneAddress },
  ...(v.controlPlaneTls ? [{ name: 'WEFT_CONTROL_PLANE_CA', value: `${ROOT_CA_DIR}/${ROOT_CA_KEY}` }] : []),
  { name: 'NODE_OPTIONS', value: SIDECAR_NODE_OPTIONS },
  fieldEnv('WEFT_WORKLOAD', 'metadata.name'),
  fieldEnv('WEFT_NAMESPACE', 'metadata.namespace'),
  fieldEnv('WEFT_SERVICE_ACCOUNT', 'spec.serviceAccountName'),
  fieldEnv('WEFT_POD_IP', 'status.podIP'),
  { name: 'WEFT_LOG_LEVEL', value: p.settings.logLevel },
  ...accessLogEnv(p.settings.accessLog),
  { name: 'WEFT_OUTBOUND_PORT', value: String(v.ports.outbound) },
  { name: 'WEFT_INBOUND_PORT', value: String(v.ports.inbound) },
  { name: 'WEFT_ADMIN_PORT', value: String(v.ports.admin) },
  { name: 'WEFT_METRICS_PORT', value: String(v.ports.metrics) },
  { name: 'WEFT_PROBE_PORT', value: String(v.ports.probe) },
  ...(p.appPort !== undefined ? [{ name: 'WEFT_APP_PORT', value: String(p.appPort) }] : []),
  { name: 'WEFT_TOKEN_FILE', value: `${TOKEN_DIR}/token` },
  { name: 'WEFT_CERT_DIR', value: CERTS_DIR },
  // The sidecar keeps its last snapshot and still-valid certificate here (in memory) for restarts.
  { name: 'WEFT_STATE_DIR', value: CERTS_DIR },
  ...(Object.keys(p.probes).length ? [{ name: 'WEFT_APP_PROBES', value: stableStringify(p.probes) }] : []),
];

const resources = (s: PodSettings): JsonObject => {
  const r = s.resources;
  const limits = {
    ...(r.cpuLimit ? { cpu: r.cpuLimit } : {}),
    ...(r.memoryLimit ? { memory: r.memoryLimit } : {}),
  };
  return {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
    ...(Object.keys(limits).length ? { limits } : {}),
  };
};

/** Without native sidecars the app must not start before the proxy: kubelet runs the first
 * container's postStart hook to completion before it starts the next container. */
const waitForProxy = (v: InjectValues): JsonObject => ({
  postStart: {
    exec: {
      command: [
        ...v.cliCommand,
        'init',
        '--wait-ready',
        `http://127.0.0.1:${v.ports.admin}/ready`,
        '--wait-timeout',
        String(v.readyTimeoutSeconds),
      ],
    },
  },
});

export const proxyContainer = (v: InjectValues, p: ProxyInputs): Container => ({
  name: PROXY_CONTAINER,
  image: v.image,
  imagePullPolicy: v.imagePullPolicy,
  args: ['proxy'],
  // restartPolicy Always on an init container makes it a native sidecar (Kubernetes ≥ 1.29).
  ...(p.settings.nativeSidecar ? { restartPolicy: 'Always' } : {}),
  ports: [
    { name: 'weft-metrics', containerPort: v.ports.metrics, protocol: 'TCP' },
    { name: 'weft-probe', containerPort: v.ports.probe, protocol: 'TCP' },
  ],
  env: proxyEnv(v, p),
  resources: resources(p.settings),
  securityContext: {
    runAsUser: v.proxyUid,
    runAsGroup: v.proxyUid,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  volumeMounts: [
    { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
    { name: CERTS_VOLUME, mountPath: CERTS_DIR },
    ...(v.controlPlaneTls ? [{ name: ROOT_CA_VOLUME, mountPath: ROOT_CA_DIR, readOnly: true }] : []),
  ],
  // A native sidecar's startup probe holds back the app containers until the proxy is ready.
  startupProbe: httpProbe('/ready', v.ports.probe, {
    periodSeconds: 1,
    failureThreshold: v.readyTimeoutSeconds,
  }),
  readinessProbe: httpProbe('/ready', v.ports.probe, { periodSeconds: 5 }),
  livenessProbe: httpProbe('/live', v.ports.probe, { periodSeconds: 10, failureThreshold: 3 }),
  ...(p.settings.nativeSidecar ? {} : { lifecycle: waitForProxy(v) }),
});

export const proxyVolumes = (v: InjectValues): Volume[] => [
  {
    name: TOKEN_VOLUME,
    projected: {
      sources: [
        { serviceAccountToken: { audience: TOKEN_AUDIENCE, expirationSeconds: 3600, path: 'token' } },
      ],
    },
  },
  // Certificates, the workload key and the last-known-good snapshot (WEFT_STATE_DIR) live in
  // memory only, never on the node's disk. tmpfs uses only what is written; the limit leaves room
  // for a large mesh's snapshot (the sidecar persists at most 24 MiB of it).
  { name: CERTS_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '32Mi' } },
  // Published by the control plane's leader in every meshed namespace. Not optional: the kubelet
  // holds the pod until it exists, rather than start a sidecar that cannot trust the control plane.
  ...(v.controlPlaneTls ? [{ name: ROOT_CA_VOLUME, configMap: { name: ROOT_CA_CONFIGMAP } }] : []),
];
