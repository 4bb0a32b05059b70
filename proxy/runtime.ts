// Starts one sidecar: outbound listener (app → mesh), inbound listener (mesh → app, mTLS when
// configured), admin and metrics ports. Stacks are rebuilt once per snapshot and swapped in one
// assignment; connection pools and balancer state live for the whole process.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ConfigIssue } from '../api/model/result.ts';
import type { ProxySnapshot } from '../api/model/snapshot.ts';
import { systemClock, type Clock, type Random } from '../api/runtime/clock.ts';
import { createLogger } from '../api/runtime/logger.ts';
import { startAdmin } from './admin/admin-server.ts';
import { certReport } from './admin/cert-report.ts';
import { endpointsReport, policiesReport, type LiveState } from './admin/state-report.ts';
import { startMetricsServer } from './admin/metrics-server.ts';
import type { Served } from './admin/serve.ts';
import type { SnapshotSource } from './discovery/source.ts';
import { inboundSink } from './inbound/entry.ts';
import { inboundStack, type InboundStack } from './inbound/stack.ts';
import { loadTracker } from './layers/balancer.ts';
import { dialMetrics } from './metrics/dial-metrics.ts';
import { proxyMetrics } from './metrics/request-metrics.ts';
import { stateGauges } from './metrics/state-gauges.ts';
import { tlsMetrics } from './metrics/tls-metrics.ts';
import { outboundSink, type ActiveHandler } from './outbound/entry.ts';
import { policyRegistry } from './outbound/policy-registry.ts';
import { outboundHandler } from './outbound/stack.ts';
import type { AppProbes } from './probes/app-probes.ts';
import { startProbeServer } from './probes/probe-server.ts';
import { observabilityLayers, type ObservabilityOptions } from './observability/layers.ts';
import type { Layer } from './stack/types.ts';
import { destinationIndex } from './capture/by-destination.ts';
import { ListenError, type ListenerName } from './start-errors.ts';
import { transparentCapture, type Transparent } from './capture/transparent.ts';
import type { TlsEvents } from './transport/tls-events.ts';
import { connectionGauge, type ConnectionCount, type ListenerDirection } from './metrics/connection-gauge.ts';
import { startListener, type InboundMode, type Listener } from './transport/listener.ts';
import type { OriginalDstReader } from './capture/original-dst/original-dst.ts';
import type { TlsMaterial } from './transport/tls-material.ts';
import { upstreamTransport } from './transport/upstream.ts';

export interface ProxyPorts {
  readonly outbound: number;
  readonly inbound: number;
  readonly admin: number;
  readonly metrics: number;
  /** The probe port, when ProxyOptions.probes asks for one. */
  readonly probe?: number;
}

export interface ProxyOptions {
  readonly source: SnapshotSource;
  /** 0 = ephemeral; RunningProxy.ports has the bound ones. */
  readonly ports: ProxyPorts;
  /** Where the app listens (default 127.0.0.1). */
  readonly appHost?: string;
  readonly appPort: number;
  /** When present, sidecar-to-sidecar hops are mTLS. */
  readonly tls?: TlsMaterial;
  /**
   * Inbound mode until a snapshot names one (WorkloadView.inboundMode, which then wins and
   * applies to new connections without a restart). Default: PERMISSIVE with tls. Without tls
   * the inbound listener is always DISABLE (plaintext), whatever the snapshot says.
   */
  readonly inboundMode?: InboundMode;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /**
   * Inbound bind address (default 0.0.0.0 and [::]: peers reach the pod IP of either family).
   * Outbound is always loopback, 127.0.0.1 and [::1].
   */
  readonly inboundHost?: string;
  /** Metrics bind address (default 0.0.0.0 for Prometheus). Admin is always 127.0.0.1. */
  readonly metricsHost?: string;
  /** Inbound policy layers (authz) for a snapshot, placed after error-response. */
  readonly inboundLayers?: (snapshot: ProxySnapshot | undefined, deps: InboundLayerDeps) => readonly Layer[];
  /** How long close() lets in-flight requests finish (default 5 s). */
  readonly drainMs?: number;
  /**
   * Transparent capture: connections iptables redirected to the outbound port are routed by their
   * original destination (docs/capture.md). Default: the native addon's reader; false = off.
   */
  readonly originalDst?: OriginalDstReader | false;
  /** Opaque TCP idle for this long is closed (default 1 h; 0 = never; docs/capture.md). */
  readonly tcpIdleTimeoutMs?: number;
  /** The probe listener (WEFT_PROBE_PORT) with the app's original probes; absent = none. */
  readonly probes?: { readonly port: number; readonly host?: string; readonly app: AppProbes };
  /** Tracing and access log (docs/observability.md); absent = both off, no layer in the stacks. */
  readonly observability?: ObservabilityOptions;
  /** Request metrics (weft_requests_total, weft_request_duration_seconds); default on. */
  readonly requestMetrics?: boolean;
}

/** What inbound policy layers may use: the sidecar's metrics registry and logger. */
export interface InboundLayerDeps {
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface RunningProxy {
  readonly ports: ProxyPorts;
  readonly metricsRegistry: Registry;
  /**
   * Builds the listeners' stacks for `snapshot` and keeps them for when the source delivers it;
   * issues = it cannot run here. The discovery client calls this before it ACKs (its `validate`
   * hook), so a snapshot the control plane records as running is one these stacks were built from.
   */
  prepare(snapshot: ProxySnapshot): readonly ConfigIssue[];
  /** Stops accepting, lets in-flight requests finish (bounded by drainMs), closes pools. */
  close(): Promise<void>;
}

interface Active {
  readonly snapshot?: ProxySnapshot;
  readonly outbound: ActiveHandler;
  readonly inbound: InboundStack;
}

export const startProxy = async (o: ProxyOptions): Promise<RunningProxy> => {
  const logger = o.logger ?? createLogger({ level: 'info' });
  const clock = o.clock ?? systemClock;
  const random = o.random ?? Math.random;
  const metrics = proxyMetrics();
  metrics.outboundTls = o.tls !== undefined;
  metrics.requestsEnabled = o.requestMetrics !== false;
  const tlsEvents = tlsMetrics(metrics.registry);
  const openConnections = connectionGauge(metrics.registry);
  const stateMetrics = stateGauges(metrics.registry, clock, o.tls);
  const dialEvents = dialMetrics(metrics.registry);
  const mesh = upstreamTransport({
    tls: o.tls,
    logger: logger.child({ component: 'upstream.mesh' }),
    tlsEvents,
    dialEvents,
  });
  const app = upstreamTransport({ logger: logger.child({ component: 'upstream.app' }), dialEvents });
  const policies = policyRegistry({ clock, random, registry: metrics.registry, logger });
  const load = loadTracker(clock);
  const live = (): LiveState => ({
    load: load.report(),
    policies: policies.stateReport(),
    faults: policies.faultReport(),
    wallOffsetMs: clock.wallNow() - clock.now(),
  });
  const observe = (d: 'inbound' | 'outbound') => observabilityLayers(o.observability, d, { clock, random });
  const outDeps = {
    ...{ transport: mesh, clock, random, load, metrics, logger, policies },
    observe: observe('outbound'),
  };
  const layerDeps: InboundLayerDeps = { registry: metrics.registry, logger };
  const layers = o.inboundLayers;
  const inDeps = {
    transport: app,
    clock,
    metrics,
    logger,
    layers: layers && ((s: ProxySnapshot | undefined) => layers(s, layerDeps)),
    observe: observe('inbound'),
  };

  const build = (snapshot: ProxySnapshot | undefined): Active => ({
    snapshot,
    outbound: {
      handler: outboundHandler(snapshot, outDeps),
      sourceServiceAccount: snapshot && `${snapshot.workload.namespace}/${snapshot.workload.serviceAccount}`,
      destinations: destinationIndex(snapshot?.services ?? {}),
    },
    inbound: inboundStack(snapshot, inDeps),
  });
  let active = build(undefined);
  // Builds made by prepare(), taken by apply() when the source delivers that very snapshot.
  const prepared = new WeakMap<ProxySnapshot, Active>();
  const prepare = (snapshot: ProxySnapshot): readonly ConfigIssue[] => {
    try {
      prepared.set(snapshot, build(snapshot));
      return [];
    } catch (err) {
      return [{ path: 'snapshot', message: `cannot be built by this sidecar: ${(err as Error).message}` }];
    }
  };
  const apply = (snapshot: ProxySnapshot): void => {
    // Sources without a peer to NACK to (a file, the persisted last snapshot) arrive unprepared.
    const issues = prepared.has(snapshot) ? [] : prepare(snapshot);
    const next = prepared.get(snapshot);
    prepared.delete(snapshot);
    if (!next) {
      logger.error(
        { issues, version: snapshot.version },
        'snapshot could not be applied; keeping the last one',
      );
      return;
    }
    const before = inboundModeOf(o, active.snapshot);
    active = next; // one assignment: requests in flight keep the stacks they began with
    metrics.setConfigVersion(snapshot.version);
    metrics.setWorkload(`${snapshot.workload.namespace}/${snapshot.workload.serviceAccount}`);
    stateMetrics.configApplied();
    const mode = inboundModeOf(o, snapshot);
    if (mode !== before) logger.info({ from: before, to: mode }, 'inbound mTLS mode changed');
    logger.info({ version: snapshot.version }, 'snapshot active');
  };
  const unsubscribe = o.source.subscribe(apply);
  const initial = o.source.current();
  if (initial) apply(initial);

  const opened: { close(): Promise<void> }[] = [];
  const drainMs = o.drainMs ?? 5_000;
  /** Starts one listener, kept for shutdown; a bind failure names the listener and its address. */
  const listen = async <T extends Listener | Served>(
    name: ListenerName,
    host: string,
    port: number,
    start: () => Promise<T>,
  ): Promise<T> => {
    const x = await start().catch((e: unknown) => Promise.reject(new ListenError(name, host, port, e)));
    opened.push({ close: () => x.close(drainMs) });
    return x;
  };
  const capture = transparentCapture(
    { ...o, appHost: o.appHost ?? '127.0.0.1', appPort: o.appPort },
    { snapshot: () => active.snapshot, destinations: () => active.outbound.destinations },
    { ...outDeps, registry: metrics.registry, tlsEvents },
  );
  const shutdown = async (): Promise<void> => {
    unsubscribe();
    await Promise.all(opened.map((x) => x.close()));
    await Promise.all([mesh.close(), app.close()]);
    policies.close();
  };
  try {
    const outbound = await listen('outbound', '127.0.0.1', o.ports.outbound, () =>
      startListener({
        host: '127.0.0.1',
        ipv6Host: '::1',
        port: o.ports.outbound,
        mode: 'DISABLE',
        sink: outboundSink(() => active.outbound),
        logger: logger.child({ component: 'outbound' }),
        connections: openConnections('outbound'),
        ...capture.outbound,
      }),
    );
    const hosts = listenHosts(o);
    const inbound = await listen('inbound', hosts.inbound, o.ports.inbound, () =>
      startInbound(o, () => active, logger, { tlsEvents, capture, openConnections }),
    );
    const p = o.probes;
    const ready = (): boolean => active.snapshot !== undefined;
    const appHost = o.appHost ?? '127.0.0.1';
    const probe =
      p &&
      (await listen('probe', hosts.probe, p.port, () =>
        startProbeServer({ ...p, host: hosts.probe, probes: p.app, appHost, ready, clock }),
      ));
    const admin = await listen('admin', '127.0.0.1', o.ports.admin, () =>
      startAdmin(o.ports.admin, () => active.snapshot, {
        faults: policies.faultReport,
        certs: () => certReport(o.tls, clock.wallNow()),
        endpoints: () => endpointsReport(active.snapshot, live()),
        policies: () => policiesReport(active.snapshot, live()),
      }),
    );
    const scrape = await listen('metrics', hosts.metrics, o.ports.metrics, () =>
      startMetricsServer(hosts.metrics, o.ports.metrics, metrics.registry),
    );
    return {
      ports: {
        ...{ outbound: outbound.port, inbound: inbound.port, admin: admin.port, metrics: scrape.port },
        ...(probe ? { probe: probe.port } : {}),
      },
      metricsRegistry: metrics.registry,
      prepare,
      close: shutdown,
    };
  } catch (err) {
    await shutdown();
    throw err;
  }
};

/** Where the listeners that peers, the kubelet and Prometheus reach bind (all interfaces by default). */
const listenHosts = (o: ProxyOptions): { inbound: string; metrics: string; probe: string } => ({
  inbound: o.inboundHost ?? '0.0.0.0',
  metrics: o.metricsHost ?? '0.0.0.0',
  probe: o.probes?.host ?? '0.0.0.0',
});

/** The snapshot's mode wins over the configured default; no TLS material means plaintext only. */
const inboundModeOf = (o: ProxyOptions, snapshot: ProxySnapshot | undefined): InboundMode =>
  o.tls ? (snapshot?.workload.inboundMode ?? o.inboundMode ?? 'PERMISSIVE') : 'DISABLE';

const startInbound = (
  o: ProxyOptions,
  active: () => Active,
  logger: Logger,
  extra: {
    tlsEvents: TlsEvents;
    capture: Transparent;
    openConnections: (d: ListenerDirection) => ConnectionCount;
  },
): Promise<Listener> =>
  startListener({
    host: listenHosts(o).inbound,
    // Dual-stack pods: peers (and ip6tables REDIRECT) reach the pod's IPv6 address too.
    ...(o.inboundHost === undefined ? { ipv6Host: '::' } : {}),
    port: o.ports.inbound,
    mode: () => inboundModeOf(o, active().snapshot),
    tls: o.tls,
    sink: inboundSink(() => active().inbound, { address: o.appHost ?? '127.0.0.1', port: o.appPort }),
    logger: logger.child({ component: 'inbound' }),
    connections: extra.openConnections('inbound'),
    tlsEvents: extra.tlsEvents,
    ...extra.capture.inbound,
  });
