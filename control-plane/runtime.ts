// Starts a control plane in local mode: YAML folder → index → per-workload snapshots pushed
// over gRPC, plus the admin listener. The CA's CSR service (control-plane/identity) joins the
// same gRPC server through `extraServices`.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RouteStatus } from './index/gateway-status.ts';
import type { ConfigIssue } from '../api/model/result.ts';
import { discoveryService } from '../api/proto/discovery.ts';
import { systemClock, type Clock } from '../api/runtime/clock.ts';
import { createLogger } from '../api/runtime/logger.ts';
import { startAdminServer } from './admin/admin-server.ts';
import { caRootExpiryGauge } from './admin/ca-metrics.ts';
import type { CanaryOptions } from './canary/assemble.ts';
import { startTrafficControllers } from './canary/traffic-controllers.ts';
import type { CanaryStatus } from './canary/canary-status.ts';
import { debounce } from './debounce.ts';
import { ModelState, type FaultStatus } from './model-state.ts';
import { createDiscoveryServer } from './push/discovery-server.ts';
import { createPushMetrics } from './push/metrics.ts';
import { DEFAULT_STARTUP_GRACE_MS, everyServiceServed, startupGrace } from './push/startup-grace.ts';
import { snapshotFor } from './snapshot/snapshot-for.ts';
import { dirSource } from './sources/dir/dir-source.ts';
import type { ConfigSource } from './sources/types.ts';

export interface ControlPlaneOptions {
  /** Local mode: a folder of mesh YAML. Ignored when `source` is given. */
  readonly configDir?: string;
  /** Any other configuration source (the Kubernetes informers); takes precedence over configDir. */
  readonly source?: ConfigSource;
  /** After each compile: every current issue (the Kubernetes status and event writers read these). */
  readonly onCompiled?: (issues: readonly ConfigIssue[]) => void;
  readonly host?: string;
  /** 0 = any free port; the bound address is in the result. */
  readonly grpcPort?: number;
  readonly adminPort?: number;
  readonly trustDomain?: string;
  readonly clusterDomain?: string;
  readonly defaultNamespace?: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Debounce of config and sidecar events before recompiling (default 100 ms). */
  readonly debounceMs?: number;
  /** A sent snapshot unanswered this long marks the stream stuck (default 30 s). */
  readonly sendTimeoutMs?: number;
  /**
   * HOOK (identity): register more services on the discovery gRPC server before it starts; they
   * may register their metrics on the control plane's registry (served on /metrics).
   */
  readonly extraServices?: (server: grpc.Server, registry: Registry) => void;
  /** HOOK (identity): PEM roots to put in every snapshot; call refresh() when they change. */
  readonly trustBundle?: () => readonly string[] | undefined;
  /**
   * A connected sidecar that announces its Service and inbound address is an endpoint of that
   * Service while connected (default true: local mode, where nothing else lists endpoints).
   * Kubernetes mode turns it off: EndpointSlices say which pods are ready, a connection does not.
   */
  readonly sidecarEndpoints?: boolean;
  /** TLS for the gRPC listener (Kubernetes mode: a certificate from the mesh CA); default plaintext. */
  readonly grpcCredentials?: grpc.ServerCredentials;
  /**
   * With `sidecarEndpoints`: for this long after start (or until every Service has an endpoint
   * again), a sidecar that reconnects with a snapshot it runs keeps it instead of being pushed one
   * that lacks the endpoints of sidecars still reconnecting (push/startup-grace.ts). Default
   * 12 s: longer than the sidecars' 10 s maximum reconnect back-off. 0 turns it off.
   */
  readonly startupGraceMs?: number;
  /** The Canary controller: where its figures come from, where rollouts are recorded, who leads. */
  readonly canary?: CanaryOptions;
}

export interface SidecarStatus {
  readonly workload: string;
  readonly service?: string;
  readonly inbound?: string;
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  /** Resumed during the start-up grace and not pushed yet. */
  readonly held?: boolean;
  readonly lastNack?: {
    readonly version: string;
    readonly message: string;
    readonly issues: readonly ConfigIssue[];
    readonly atMs: number;
  };
}

export interface ControlPlaneStatus {
  /** The start-up grace is still on (resumed sidecars are held; see startupGraceMs). */
  readonly startupGrace?: boolean;
  /** `namespace/workload` → version of the snapshot it should run. */
  readonly versions: Readonly<Record<string, string>>;
  readonly issues: readonly ConfigIssue[];
  readonly sidecars: readonly SidecarStatus[];
  /** Every FaultInjection: active or ended, with its start and (given a duration) end time. */
  readonly faults: readonly FaultStatus[];
  /** Gateway API routes attached to Services, with their conditions per parent (absent: none). */
  readonly routes?: readonly RouteStatus[];
  /** Every Canary: its rollout (phase, weights, windows) and whether it was accepted. */
  readonly canaries: readonly CanaryStatus[];
}

export interface RunningControlPlane {
  readonly grpcAddress: string;
  readonly adminAddress: string;
  readonly grpcServer: grpc.Server;
  readonly metricsRegistry: ReturnType<typeof createPushMetrics>['registry'];
  status(): ControlPlaneStatus;
  /** Recompile and push now (e.g. after the trust bundle changed). */
  refresh(): void;
  close(): Promise<void>;
}

const bind = (
  server: grpc.Server,
  host: string,
  port: number,
  credentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> =>
  new Promise((resolve, reject) => {
    const h = host.includes(':') ? `[${host}]` : host;
    server.bindAsync(`${h}:${port}`, credentials, (e, bound) => (e ? reject(e) : resolve(bound)));
  });

/** The configured source: an injected one (Kubernetes) or the YAML folder (local mode). */
const sourceOf = (opts: ControlPlaneOptions, clock: Clock, logger: Logger): ConfigSource => {
  if (opts.source) return opts.source;
  if (opts.configDir === undefined)
    throw new Error('startControlPlane needs configDir (local mode) or source');
  return dirSource({
    dir: opts.configDir,
    defaultNamespace: opts.defaultNamespace ?? 'default',
    clock,
    logger,
    debounceMs: opts.debounceMs ?? 100,
  });
};

/** Only sidecar endpoints vanish with a restart; EndpointSlices (Kubernetes mode) need no grace. */
const graceMsOf = (opts: ControlPlaneOptions): number =>
  opts.sidecarEndpoints === false ? 0 : (opts.startupGraceMs ?? DEFAULT_STARTUP_GRACE_MS);

export const startControlPlane = async (opts: ControlPlaneOptions): Promise<RunningControlPlane> => {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger({ name: 'weft-control-plane' });
  const log = logger.child({ component: 'control-plane' });
  const trustDomain = opts.trustDomain ?? 'cluster.local';
  const metrics = createPushMetrics();
  if (opts.trustBundle) caRootExpiryGauge(metrics.registry, opts.trustBundle);
  const traffic = startTrafficControllers(opts.canary, {
    clock,
    logger,
    sidecars: () => discovery.sidecars(),
    recompile: () => recompile.trigger(),
    faultActive: (name) => state.faultStatus().find((f) => f.name === name)?.state !== 'ended',
  });
  const state = new ModelState({
    clock,
    logger,
    clusterDomain: opts.clusterDomain ?? 'cluster.local',
    trustDomain,
    overlay: (resources) => traffic.overlay(resources),
  });
  const issues = (): ConfigIssue[] => [...state.issues(), ...traffic.issues()];
  let ready = false;
  const sidecarEndpoints = opts.sidecarEndpoints ?? true;
  const grace = startupGrace({
    clock,
    logger,
    ms: graceMsOf(opts),
    onEnd: () => discovery.release(),
  });

  const discovery = createDiscoveryServer({
    clock,
    logger,
    metrics,
    sendTimeoutMs: opts.sendTimeoutMs ?? 30_000,
    snapshotFor: (node) => {
      const bundle = opts.trustBundle?.();
      return snapshotFor(
        state.model,
        { ...node, name: node.workload },
        { trustDomain, ...(bundle ? { trustBundle: bundle } : {}) },
      );
    },
    onSidecarsChanged: () => sidecarEndpoints && recompile.trigger(),
    holdResumed: () => grace.active,
  });
  const recompileNow = (): void => {
    state.rebuild(sidecarEndpoints ? discovery.sidecars().map((s) => s.node) : []);
    metrics.configIssues.set(issues().length);
    if (grace.active && everyServiceServed(state.model)) grace.end('every Service has an endpoint');
    discovery.pushAll();
    opts.onCompiled?.(issues());
  };
  const recompile = debounce(clock, opts.debounceMs ?? 100, 1_000, recompileNow);

  const source = sourceOf(opts, clock, logger);
  await source.start((config) => {
    state.setConfig(config);
    traffic.sync(config.resources);
    if (ready) recompile.trigger();
  });
  recompileNow();

  const server = new grpc.Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 });
  server.addService(discoveryService, discovery.implementation);
  opts.extraServices?.(server, metrics.registry);
  const grpcPort = await bind(server, host, opts.grpcPort ?? 15010, opts.grpcCredentials);

  const status = (): ControlPlaneStatus => {
    const sidecars = discovery.sidecars();
    const versions: Record<string, string> = {};
    for (const s of sidecars) {
      const v = s.session.sentVersion;
      if (v) versions[`${s.node.namespace}/${s.node.workload}`] = v;
    }
    return {
      ...(grace.active ? { startupGrace: true } : {}),
      versions,
      issues: issues(),
      sidecars: sidecars.map((s) => ({
        workload: `${s.node.namespace}/${s.node.workload}`,
        ...(s.node.service ? { service: s.node.service } : {}),
        ...(s.node.inbound ? { inbound: `${s.node.inbound.host}:${s.node.inbound.port}` } : {}),
        ...(s.session.sentVersion ? { sentVersion: s.session.sentVersion } : {}),
        ...(s.session.ackedVersion ? { ackedVersion: s.session.ackedVersion } : {}),
        ...(s.held ? { held: true } : {}),
        ...(s.session.lastNack ? { lastNack: s.session.lastNack } : {}),
      })),
      faults: traffic.faults(state.faultStatus()),
      canaries: traffic.canaries(),
      ...(state.model.routeStatus ? { routes: state.model.routeStatus } : {}),
    };
  };
  const admin = await startAdminServer({
    host,
    port: opts.adminPort ?? 15014,
    registry: metrics.registry,
    status,
    ready: () => ready,
    post: (path) => traffic.post(path),
  });
  ready = true;
  const grpcAddress = `${host.includes(':') ? `[${host}]` : host}:${grpcPort}`;
  log.info({ grpcAddress, adminAddress: admin.address, configDir: opts.configDir }, 'control plane started');

  return {
    grpcAddress,
    adminAddress: admin.address,
    grpcServer: server,
    metricsRegistry: metrics.registry,
    status,
    refresh: recompileNow,
    async close() {
      ready = false;
      traffic.close();
      recompile.cancel();
      grace.cancel();
      await source.stop();
      discovery.closeAll();
      // Streams are ended above; give them a moment to flush, then cut (a real-time bound on
      // shutdown, not a behaviour decision, hence not the injected clock).
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await admin.close();
      log.info('control plane stopped');
    },
  };
};
