// `weft proxy`: run one sidecar. With --control-plane it takes its configuration from the control
// plane, with --config from a static file. With --token-file it also gets its certificate from the
// CA (--ca-address, default the control plane) and speaks mTLS to other sidecars: the key is
// made in this process and never sent; with --state-dir (the injected in-memory volume) it is
// also kept there with the last snapshot, so a restart while the control plane is away can serve.
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { formatIssues } from '../api/model/result.ts';
import { spiffeId } from '../api/model/spiffe.ts';
import { parseDuration } from '../api/schema/duration.ts';
import { exitWithParent } from './exit-with-parent.ts';
import { writePortFile } from './port-file.ts';
import { DeferredSource } from '../proxy/discovery/deferred-source.ts';
import { connectDiscovery } from '../proxy/discovery/grpc-source.ts';
import { loadLastKnownGood, persistSnapshots, withFallback } from '../proxy/discovery/last-known-good.ts';
import { fromFile, type StaticSource } from '../proxy/discovery/static-source.ts';
import { authzInboundLayers } from '../proxy/identity/authz-inbound.ts';
import { identitySaver, loadIdentity } from '../proxy/identity/persisted-identity.ts';
import { grpcCaSigner } from '../proxy/identity/ca-client.ts';
import { startIdentity, type SidecarIdentity } from '../proxy/identity/start-identity.ts';
import { followTrustBundle } from '../proxy/identity/trust-bundle-follow.ts';
import { parseAppProbes } from '../proxy/probes/app-probes.ts';
import { startProxy, type ProxyOptions, type RunningProxy } from '../proxy/runtime.ts';
import type { InboundMode } from '../proxy/transport/listener.ts';
import type { ChannelCredentialsSource } from '../api/runtime/control-plane-tls.ts';
import { createLogger } from '../api/runtime/logger.ts';
import { controlPlaneTrust, type ControlPlaneTrust } from './control-plane-trust.ts';
import { ListenError, SidecarConfigError, type ListenerName } from '../proxy/start-errors.ts';
import { envOption, portNumber, portOption } from './options.ts';
import { readOtelEnv, type OtelEnv } from '../proxy/observability/env.ts';
import { startObservability, type StartedObservability } from '../proxy/observability/setup.ts';
import {
  observabilitySettings,
  withObservabilityOptions,
  type ObservabilityFlags,
} from './proxy-observability.ts';

/** What a sidecar needs to start; tests pass these directly to startSidecar (same path as the CLI). */
export interface SidecarFlags extends ObservabilityFlags {
  controlPlane?: string;
  config?: string;
  workload: string;
  namespace: string;
  service?: string;
  serviceAccount?: string;
  appPort?: number;
  appHost: string;
  outboundPort: number;
  inboundPort: number;
  adminPort: number;
  metricsPort: number;
  /** Bind address of the inbound and metrics listeners (default 0.0.0.0). */
  listenHost?: string;
  caAddress?: string;
  tokenFile?: string;
  trustDomain: string;
  inboundMode?: InboundMode;
  /** Probe listener port (WEFT_PROBE_PORT); absent = no probe listener. */
  probePort?: number;
  /** The app's original probes as the injector writes them (WEFT_APP_PROBES JSON). */
  appProbes?: string;
  /** This pod's IP (WEFT_POD_IP): the address peers reach the inbound listener at. */
  podIp?: string;
  /** Opaque TCP idle timeout (WEFT_TCP_IDLE_TIMEOUT), ms; 0 = none; absent = the proxy's default. */
  tcpIdleTimeout?: number;
  /**
   * WEFT_STATE_DIR: where the last accepted snapshot and the still-valid certificate are kept so
   * a restart while the control plane is away can serve (the injector mounts an in-memory volume).
   */
  stateDir?: string;
  /** Trust bundle file for TLS to the control plane (WEFT_CONTROL_PLANE_CA); absent = plaintext. */
  controlPlaneCa?: string;
  /** SPIFFE ID the control plane must present (default: weft-system/weft-control-plane). */
  controlPlaneIdentity?: string;
}

interface ProxyFlags extends SidecarFlags {
  /** SIGTERM: how long to keep serving after leaving discovery, before draining (ms). */
  drainDelay: number;
  portFile?: string;
  exitWithParent?: boolean;
  logLevel: string;
}

/** The CLI's OTEL_* variables (tests and `weft dev` leave them out). */
interface OtelFlags {
  otel?: OtelEnv;
  /** Inbound policy layers per snapshot; default authorization (authzInboundLayers). */
  inboundLayers?: ProxyOptions['inboundLayers'];
}

export interface RunningSidecar {
  readonly proxy: RunningProxy;
  readonly identity?: SidecarIdentity;
  /**
   * Ends the discovery stream, so a local-mode control plane drops this sidecar's endpoint and
   * pushes that to its peers; the listeners keep serving. Step one of a graceful stop.
   */
  leave(): Promise<void>;
  close(): Promise<void>;
}

/** The workload certificate, when a token is given (the caller awaits its ready()). */
const identityOf = async (
  flags: SidecarFlags,
  logger: Logger,
  credentials: ChannelCredentialsSource | undefined,
): Promise<SidecarIdentity | undefined> => {
  const tokenFile = flags.tokenFile;
  if (tokenFile === undefined) {
    logger.warn('no --token-file: no workload certificate, sidecar-to-sidecar traffic is plaintext');
    return undefined;
  }
  const caAddress = flags.caAddress ?? flags.controlPlane;
  if (caAddress === undefined)
    throw new SidecarConfigError('--token-file needs --ca-address or --control-plane');
  const id = spiffeId({
    trustDomain: flags.trustDomain,
    namespace: flags.namespace,
    serviceAccount: flags.serviceAccount ?? flags.workload,
  });
  const dir = flags.stateDir;
  const initial = dir === undefined ? undefined : await loadIdentity(dir, id, Date.now(), logger);
  const identity = startIdentity({
    caAddress,
    ...(credentials ? { signer: grpcCaSigner({ address: caAddress, credentials }) } : {}),
    // Read before every request: a projected token is rotated on disk by the kubelet.
    tokenProvider: async () => (await readFile(tokenFile, 'utf8')).trim(),
    identity: id,
    logger,
    ...(initial ? { initial } : {}),
    ...(dir !== undefined ? { persist: identitySaver(dir, logger) } : {}),
  });
  return identity;
};

const sourceOf = async (
  flags: SidecarFlags,
  deferred: DeferredSource,
  proxy: RunningProxy,
  logger: Logger,
  credentials: ChannelCredentialsSource | undefined,
): Promise<void> => {
  if (flags.config) return deferred.attach(await configFile(flags.config));
  const dir = flags.stateDir;
  const owner = { workload: flags.workload, namespace: flags.namespace };
  // Read before connecting, so the stream's first snapshot can never be overtaken by an older one.
  const fallback = dir === undefined ? undefined : await loadLastKnownGood(dir, owner, logger);
  const discovery = connectDiscovery({
    address: flags.controlPlane as string,
    node: {
      ...owner,
      service: flags.service,
      serviceAccount: flags.serviceAccount ?? flags.workload,
      inbound: { host: flags.podIp ?? '127.0.0.1', port: proxy.ports.inbound },
    },
    logger,
    registry: proxy.metricsRegistry,
    validate: proxy.prepare,
    ...(credentials ? { credentials } : {}),
  });
  if (dir !== undefined) persistSnapshots(discovery, dir, logger);
  deferred.attach(withFallback(discovery, fallback));
};

/** The probe listener's settings; a bad WEFT_APP_PROBES fails start-up with every issue. */
const probesOf = (flags: SidecarFlags): ProxyOptions['probes'] => {
  if (flags.probePort === undefined) return undefined;
  if (flags.appProbes === undefined || flags.appProbes.trim() === '')
    return { port: flags.probePort, app: {} };
  const parsed = parseAppProbes(flags.appProbes, '--app-probes (WEFT_APP_PROBES)');
  if (!parsed.ok) throw new SidecarConfigError(formatIssues(parsed.error));
  return { port: flags.probePort, app: parsed.value };
};

/** The runtime's options from the flags and the parts started before it. */
const proxyOptionsOf = (
  flags: SidecarFlags & OtelFlags,
  parts: {
    source: DeferredSource;
    identity: SidecarIdentity | undefined;
    probes: ProxyOptions['probes'];
    observed: StartedObservability;
    logger: Logger;
  },
): ProxyOptions => ({
  source: parts.source,
  ports: {
    outbound: flags.outboundPort,
    inbound: flags.inboundPort,
    admin: flags.adminPort,
    metrics: flags.metricsPort,
  },
  appHost: flags.appHost,
  appPort: flags.appPort ?? 0,
  logger: parts.logger,
  ...(flags.listenHost ? { inboundHost: flags.listenHost, metricsHost: flags.listenHost } : {}),
  ...(parts.identity ? { tls: parts.identity, inboundMode: flags.inboundMode ?? 'STRICT' } : {}),
  inboundLayers: flags.inboundLayers ?? authzInboundLayers(flags.appPort),
  ...(parts.probes ? { probes: parts.probes } : {}),
  tcpIdleTimeoutMs: flags.tcpIdleTimeout,
  ...(parts.observed.options ? { observability: parts.observed.options } : {}),
});

/** --config FILE: a missing or invalid file is the caller's to fix. */
const configFile = (path: string): Promise<StaticSource> =>
  fromFile(path).catch((e: unknown) =>
    Promise.reject(new SidecarConfigError((e as Error).message, { cause: e })),
  );

/** --control-plane-ca: a missing or empty file is the caller's to fix. */
const trustOf = (flags: SidecarFlags, logger: Logger): ControlPlaneTrust | undefined => {
  try {
    return controlPlaneTrust(flags, logger);
  } catch (e) {
    throw new SidecarConfigError((e as Error).message, { cause: e });
  }
};

export const startSidecar = async (
  flags: SidecarFlags & OtelFlags,
  logger: Logger,
): Promise<RunningSidecar> => {
  if (!flags.controlPlane === !flags.config)
    throw new SidecarConfigError('give exactly one of --control-plane HOST:PORT or --config FILE');
  const probes = probesOf(flags);
  const trust = trustOf(flags, logger);
  const credentials = trust?.credentials;
  // Every part started is closed, last first, when a later one fails (and by close()).
  const parts = new AsyncDisposableStack();
  try {
    const deferred = parts.adopt(new DeferredSource(), (d) => d.close());
    const observed = parts.adopt(await startObservability(observabilitySettings(flags, flags.otel)), (o) =>
      o.close(),
    );
    const identity = await identityOf(flags, trust?.logger ?? logger, credentials);
    if (identity) {
      parts.defer(() => identity.close());
      await identity.ready();
    }
    const proxy = parts.adopt(
      await startProxy(proxyOptionsOf(flags, { source: deferred, identity, probes, observed, logger })),
      (p) => p.close(),
    );
    if (identity) parts.defer(followTrustBundle(deferred, identity, logger));
    await sourceOf(flags, deferred, proxy, trust?.logger ?? logger, credentials);
    const running = parts.move();
    return {
      proxy,
      ...(identity ? { identity } : {}),
      leave: () => deferred.close(),
      close: () => running.disposeAsync(),
    };
  } catch (err) {
    await parts
      .disposeAsync()
      .catch((e: unknown) =>
        logger.warn({ err: e }, 'closing what had started after a failed start failed too'),
      );
    throw err;
  }
};

/** The flag (and its variable) that sets each listener's port. */
const PORT_FLAGS: Readonly<Record<ListenerName, string>> = {
  outbound: '--outbound-port (WEFT_OUTBOUND_PORT)',
  inbound: '--inbound-port (WEFT_INBOUND_PORT)',
  admin: '--admin-port (WEFT_ADMIN_PORT)',
  metrics: '--metrics-port (WEFT_METRICS_PORT)',
  probe: '--probe-port (WEFT_PROBE_PORT)',
};

/** What went wrong and, for a listener, which flag moves it. */
const startFailure = (e: unknown): string =>
  e instanceof ListenError
    ? `${e.message}; choose another port with ${PORT_FLAGS[e.listener]}`
    : e instanceof Error
      ? e.message
      : String(e);

const run = async (flags: ProxyFlags): Promise<void> => {
  const logger = createLogger({
    level: flags.logLevel,
    base: { component: 'proxy', workload: flags.workload },
  });
  const otel = readOtelEnv();
  if (!otel.ok) {
    process.stderr.write(`weft proxy: ${formatIssues(otel.error)}\n`);
    return process.exit(2);
  }
  const sidecar = await startSidecar({ ...flags, otel: otel.value }, logger).catch((e: unknown) => {
    process.stderr.write(`weft proxy: ${startFailure(e)}\n`);
    // 2 = what the caller gave cannot work; 1 = the system refused (README, Exit codes).
    return process.exit(e instanceof SidecarConfigError ? 2 : 1);
  });
  const { proxy } = sidecar;
  const stop = async (): Promise<void> => {
    // Leave first and keep serving while peers learn that this endpoint is gone: closing the
    // listeners at once would refuse the requests peers still send here (measured: ~2-5 % of a
    // rolling restart's requests failed). Then drain what is in flight (bounded by drainMs).
    logger.info({ drainDelayMs: flags.drainDelay }, 'leaving discovery, then draining');
    await sidecar.leave();
    await new Promise((r) => setTimeout(r, flags.drainDelay));
    await sidecar.close();
    process.exit(0);
  };
  // Before the port file: whoever reads it may signal at once, and an unhandled SIGTERM kills.
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  if (flags.exitWithParent) exitWithParent(() => void stop());
  if (flags.portFile) await writePortFile(flags.portFile, { ...proxy.ports, pid: process.pid });
  logger.info({ ports: proxy.ports }, 'sidecar listening');
};

const durationMs = (v: string): number => {
  const d = parseDuration(v);
  if (!d.ok || d.value < 0) throw new InvalidArgumentError('must be a duration such as 500ms or 2s');
  return d.value;
};

export const proxyCommand = (): Command =>
  withObservabilityOptions(new Command('proxy'))
    .description('run a sidecar proxy next to one workload')
    .addOption(
      envOption('--control-plane <host:port>', 'control plane gRPC address (discovery and certificates)'),
    )
    .addOption(
      envOption(
        '--config <file>',
        'static configuration file instead of a control plane (see docs/proxy-config.md)',
      ),
    )
    .addOption(envOption('--workload <name>', 'this workload (pod) name').default('workload'))
    .addOption(envOption('--namespace <ns>', 'this workload namespace').default('default'))
    .addOption(
      envOption(
        '--service <name>',
        'Service this workload serves (registers it as an endpoint in local mode)',
      ),
    )
    .addOption(
      envOption('--service-account <name>', 'service account = identity (default: the workload name)'),
    )
    .addOption(
      envOption('--app-port <port>', 'port of the app in this pod (inbound traffic goes there)').argParser(
        portNumber,
      ),
    )
    .addOption(envOption('--app-host <host>', 'host of the app').default('127.0.0.1'))
    .addOption(
      envOption(
        '--listen-host <host>',
        'bind address of the inbound and metrics listeners (default 0.0.0.0)',
      ),
    )
    .addOption(
      envOption(
        '--token-file <file>',
        'service-account token proving this workload to the CA; turns on mTLS (re-read on each renewal)',
      ),
    )
    .addOption(envOption('--ca-address <host:port>', 'CA gRPC address (default: --control-plane)'))
    .addOption(envOption('--trust-domain <domain>', 'SPIFFE trust domain').default('cluster.local'))
    .addOption(
      envOption(
        '--control-plane-ca <file>',
        'PEM roots to verify the control plane by: TLS for discovery and CSRs (re-read on reconnect; the injector mounts ConfigMap weft-root-ca)',
      ),
    )
    .addOption(
      envOption(
        '--control-plane-identity <spiffe-id>',
        'SPIFFE ID the control plane must present with --control-plane-ca (default spiffe://<trust-domain>/ns/weft-system/sa/weft-control-plane)',
      ),
    )
    .addOption(
      new Option(
        '--inbound-mode <mode>',
        'inbound mTLS mode until the control plane names one (weft.io/mtls-mode); default STRICT with a token',
      )
        .choices(['STRICT', 'PERMISSIVE', 'DISABLE'])
        .env('WEFT_INBOUND_MODE'),
    )
    .addOption(
      portOption('--outbound-port <port>', 'outbound listener (the app sends mesh traffic here)', 15001),
    )
    .addOption(
      portOption('--inbound-port <port>', 'inbound listener (peers send traffic for the app here)', 15006),
    )
    .addOption(portOption('--admin-port <port>', 'admin listener on 127.0.0.1: /ready /live /config', 15000))
    .addOption(portOption('--metrics-port <port>', 'Prometheus /metrics listener', 15090))
    .addOption(
      envOption(
        '--probe-port <port>',
        'probe listener for kubelet: /ready, /live, /app-health/...',
      ).argParser(portNumber),
    )
    .addOption(
      envOption('--app-probes <json>', "the app's original probes, keyed by /app-health/<container>/<probe>"),
    )
    .addOption(envOption('--pod-ip <ip>', 'this pod IP: where peers reach the inbound listener (local mode)'))
    .addOption(
      envOption(
        '--tcp-idle-timeout <duration>',
        'close opaque TCP connections (tunnels, passthrough) with no byte either way for this long; 0 = never (default 1h)',
      ).argParser(durationMs),
    )
    .addOption(
      envOption(
        '--state-dir <dir>',
        'keep the last accepted snapshot and the still-valid certificate here (an in-memory volume) for restarts while the control plane is away',
      ),
    )
    .addOption(
      envOption(
        '--drain-delay <duration>',
        'on SIGTERM, keep serving this long after leaving discovery so peers stop sending here',
      )
        .argParser(durationMs)
        .default(1_000, '1s'),
    )
    .addOption(envOption('--port-file <file>', 'write the bound ports as JSON here once listening'))
    .addOption(envOption('--exit-with-parent', 'exit when the parent process goes away (used by weft dev)'))
    .addOption(envOption('--log-level <level>', 'pino log level').default('info'))
    .action(run);
