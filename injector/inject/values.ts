// Injection values: the cluster-wide settings (`weft inject` flags / the webhook's host), with
// the defaults of the conventions (sidecar ports, proxy UID 1337). Pod annotations may override
// some of them per pod (pod-settings.ts).
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';

export interface ProxyResources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly cpuLimit?: string;
  readonly memoryLimit?: string;
}

export interface SidecarPorts {
  readonly outbound: number;
  readonly inbound: number;
  /** 127.0.0.1 only: /ready, /live, /config. */
  readonly admin: number;
  readonly metrics: number;
  /** On the pod IP, excluded from capture: kubelet probes of the sidecar and of rewritten app probes. */
  readonly probe: number;
}

export interface InjectValues {
  readonly image: string;
  readonly imagePullPolicy: string;
  readonly logLevel: string;
  /** host:port of the control plane's gRPC (discovery + certificates). */
  readonly controlPlaneAddress: string;
  /**
   * The control plane serves gRPC over TLS (`--grpc-tls`, as `weft install` runs it): mount the
   * weft-root-ca ConfigMap and point WEFT_CONTROL_PLANE_CA at it.
   */
  readonly controlPlaneTls: boolean;
  /** Sidecar as an init container with restartPolicy Always (Kubernetes ≥ 1.29). */
  readonly nativeSidecar: boolean;
  readonly rewriteProbes: boolean;
  readonly proxyUid: number;
  readonly ports: SidecarPorts;
  readonly resources: ProxyResources;
  /** How the image runs the CLI, for exec hooks (the image's ENTRYPOINT; see Dockerfile). */
  readonly cliCommand: readonly string[];
  /** Seconds the app container waits for the sidecar when nativeSidecar is off. */
  readonly readyTimeoutSeconds: number;
}

export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const DEFAULT_VALUES: InjectValues = {
  image: 'weft:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  logLevel: 'info',
  controlPlaneAddress: 'weft-control-plane.weft-system.svc:15010',
  controlPlaneTls: true,
  nativeSidecar: true,
  rewriteProbes: true,
  proxyUid: 1337,
  ports: { outbound: 15001, inbound: 15006, admin: 15000, metrics: 15090, probe: 15021 },
  resources: { cpuRequest: '10m', memoryRequest: '40Mi', memoryLimit: '256Mi' },
  // the image ships the bundle (Dockerfile, npm run build)
  cliCommand: ['node', '/app/cli/main.js'],
  readyTimeoutSeconds: 120,
};

/** Defaults with some values replaced (nested ports/resources merged field by field). */
export const withValues = (
  v: Partial<Omit<InjectValues, 'ports' | 'resources'>> & {
    readonly ports?: Partial<SidecarPorts>;
    readonly resources?: Partial<ProxyResources>;
  } = {},
): InjectValues => ({
  ...DEFAULT_VALUES,
  ...v,
  ports: { ...DEFAULT_VALUES.ports, ...v.ports },
  resources: { ...DEFAULT_VALUES.resources, ...v.resources },
});

/** Settings as text (flags, environment variables), each with the name to blame in messages. */
export interface RawValues {
  readonly image?: { readonly value: string; readonly name: string };
  readonly logLevel?: { readonly value: string; readonly name: string };
  readonly controlPlaneAddress?: { readonly value: string; readonly name: string };
  readonly nativeSidecar?: { readonly value: string; readonly name: string };
  readonly controlPlaneTls?: { readonly value: string; readonly name: string };
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;

/** Parses the text settings over the defaults; every bad one is reported with its name. */
export const parseValues = (raw: RawValues, base: InjectValues = DEFAULT_VALUES): Result<InjectValues> => {
  const issues: ConfigIssue[] = [];
  const check = (field: RawValues[keyof RawValues], valid: boolean, message: string): void => {
    if (field && !valid) issues.push({ path: field.name, message: `${message} (got "${field.value}")` });
  };
  const image = raw.image?.value.trim();
  check(raw.image, !!image && !/\s/.test(image), 'must be a container image reference such as weft:0.1.0');
  const logLevel = raw.logLevel?.value.trim();
  check(raw.logLevel, LOG_LEVELS.includes(logLevel ?? ''), `must be one of ${LOG_LEVELS.join(', ')}`);
  const cp = raw.controlPlaneAddress?.value.trim();
  check(
    raw.controlPlaneAddress,
    HOST_PORT.test(cp ?? ''),
    'must be host:port, e.g. weft-control-plane.weft-system.svc:15010',
  );
  const bool = (field: RawValues['nativeSidecar']): boolean | undefined => {
    const v = field?.value.trim().toLowerCase();
    check(field, v === 'true' || v === 'false', 'must be true or false');
    return v === undefined ? undefined : v === 'true';
  };
  const native = bool(raw.nativeSidecar);
  const tls = bool(raw.controlPlaneTls);
  if (issues.length) return err(issues);
  return ok({
    ...base,
    ...(image ? { image } : {}),
    ...(logLevel ? { logLevel } : {}),
    ...(cp ? { controlPlaneAddress: cp } : {}),
    ...(native !== undefined ? { nativeSidecar: native } : {}),
    ...(tls !== undefined ? { controlPlaneTls: tls } : {}),
  });
};
