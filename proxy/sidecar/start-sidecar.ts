// The one assembly of a sidecar (identity, discovery, observability, listeners), used by
// `weft proxy` and by the tests that run a sidecar in process.
import type { Logger } from 'pino';
import { formatIssues } from '../../api/model/result.ts';
import { DeferredSource } from '../discovery/deferred-source.ts';
import type { SnapshotSource } from '../discovery/source.ts';
import { authzInboundLayers } from '../identity/authz-inbound.ts';
import type { SidecarIdentity } from '../identity/start-identity.ts';
import { followTrustBundle } from '../identity/trust-bundle-follow.ts';
import { startObservability, type StartedObservability } from '../observability/setup.ts';
import { parseAppProbes } from '../probes/app-probes.ts';
import { startProxy, type ProxyOptions, type RunningProxy } from '../runtime.ts';
import { SidecarConfigError } from '../start-errors.ts';
import { controlPlaneTrust, type ControlPlaneTrust } from './control-plane-trust.ts';
import { attachSource } from './discovery.ts';
import { workloadIdentity } from './identity.ts';
import { observabilitySettings } from './observability-settings.ts';
import type { SidecarOptions } from './options.ts';

export type { SidecarOptions } from './options.ts';

export interface RunningSidecar {
  readonly proxy: RunningProxy;
  readonly identity?: SidecarIdentity;
  /** The snapshots it runs: current() is the active one, ready() the first. */
  readonly source: SnapshotSource;
  /**
   * Ends the discovery stream, so a local-mode control plane drops this sidecar's endpoint and
   * pushes that to its peers; the listeners keep serving. Step one of a graceful stop.
   */
  leave(): Promise<void>;
  close(): Promise<void>;
}

/** The probe listener's settings; a bad WEFT_APP_PROBES fails start-up with every issue. */
const probesOf = (o: SidecarOptions): ProxyOptions['probes'] => {
  if (o.probePort === undefined) return undefined;
  if (o.appProbes === undefined || o.appProbes.trim() === '') return { port: o.probePort, app: {} };
  const parsed = parseAppProbes(o.appProbes, '--app-probes (WEFT_APP_PROBES)');
  if (!parsed.ok) throw new SidecarConfigError(formatIssues(parsed.error));
  return { port: o.probePort, app: parsed.value };
};

/** The runtime's options from the sidecar's and the parts started before it. */
const proxyOptionsOf = (
  o: SidecarOptions,
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
    outbound: o.outboundPort,
    inbound: o.inboundPort,
    admin: o.adminPort,
    metrics: o.metricsPort,
  },
  appHost: o.appHost,
  appPort: o.appPort ?? 0,
  logger: parts.logger,
  clock: o.clock,
  random: o.random,
  drainMs: o.drainMs,
  ...(o.listenHost ? { inboundHost: o.listenHost, metricsHost: o.listenHost } : {}),
  ...(parts.identity ? { tls: parts.identity, inboundMode: o.inboundMode ?? 'STRICT' } : {}),
  inboundLayers: o.inboundLayers ?? authzInboundLayers(o.appPort),
  ...(parts.probes ? { probes: parts.probes } : {}),
  tcpIdleTimeoutMs: o.tcpIdleTimeout,
  ...(o.originalDst !== undefined ? { originalDst: o.originalDst } : {}),
  ...(parts.observed.options ? { observability: parts.observed.options } : {}),
});

/** --control-plane-ca: a missing or empty file is the caller's to fix. */
const trustOf = (o: SidecarOptions, logger: Logger): ControlPlaneTrust | undefined => {
  try {
    return controlPlaneTrust(o, logger);
  } catch (e) {
    throw new SidecarConfigError((e as Error).message, { cause: e });
  }
};

/**
 * Starts one sidecar as `weft proxy` runs it: observability, the workload certificate, the
 * runtime's listeners, then its snapshot source. A failure closes what had started, last first.
 */
export const startSidecar = async (o: SidecarOptions, logger: Logger): Promise<RunningSidecar> => {
  if (!o.controlPlane === !o.config)
    throw new SidecarConfigError('give exactly one of --control-plane HOST:PORT or --config FILE');
  const probes = probesOf(o);
  const trust = trustOf(o, logger);
  const credentials = trust?.credentials;
  // Every part started is closed, last first, when a later one fails (and by close()).
  const parts = new AsyncDisposableStack();
  try {
    const deferred = parts.adopt(new DeferredSource(), (d) => d.close());
    const observed = parts.adopt(await startObservability(observabilitySettings(o, o.otel)), (x) =>
      x.close(),
    );
    const identity = await workloadIdentity(o, trust?.logger ?? logger, credentials);
    if (identity) {
      parts.defer(() => identity.close());
      await identity.ready();
    }
    const proxy = parts.adopt(
      await startProxy(proxyOptionsOf(o, { source: deferred, identity, probes, observed, logger })),
      (p) => p.close(),
    );
    if (identity) parts.defer(followTrustBundle(deferred, identity, logger));
    await attachSource(o, deferred, proxy, trust?.logger ?? logger, credentials);
    const running = parts.move();
    return {
      proxy,
      ...(identity ? { identity } : {}),
      source: deferred,
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
