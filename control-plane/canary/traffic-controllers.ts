// The controllers that act on traffic from the mesh's own figures, assembled for the runtime:
// Canaries (weights), FaultInjection abortIf (ends experiments) and ramp (raises percents). They
// share one metrics source; each sees every configuration and rewrites the compiled copy of it.
import type { Logger } from 'pino';
import type { NodeInfo } from '../../api/convert/node.ts';
import type { ConfigIssue } from '../../api/model/result.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import { FaultGuard } from '../fault-guard/fault-guard.ts';
import { FaultRamp } from '../fault-guard/fault-ramp.ts';
import type { FaultStatus } from '../model-state.ts';
import type { SourcedResource } from '../sources/types.ts';
import { canaryCommandRoute } from './admin-route.ts';
import { type CanaryOptions, createCanaryController, metricsSourceOf } from './assemble.ts';
import type { CanaryStatus } from './canary-status.ts';
import { overlayWeights } from './traffic-target.ts';

export interface TrafficControllersDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The connected sidecars (their metrics addresses are read each window). */
  readonly sidecars: () => readonly { readonly node: NodeInfo }[];
  /** Something changed what must be compiled: recompile and push. */
  readonly recompile: () => void;
  /** Whether a FaultInjection (`namespace/name`) still runs by its own duration. */
  readonly faultActive: (name: string) => boolean;
}

export interface TrafficControllers {
  sync(resources: readonly SourcedResource[]): void;
  /** The configuration as it must be compiled now (the source's objects stay as written). */
  overlay(resources: readonly SourcedResource[]): readonly SourcedResource[];
  issues(): readonly ConfigIssue[];
  canaries(): CanaryStatus[];
  faults(faults: readonly FaultStatus[]): FaultStatus[];
  /** The admin listener's POST routes. */
  post(path: string): { status: number; body: unknown } | undefined;
  close(): void;
}

/** host:port of each sidecar's /metrics, an IPv6 host in brackets. */
const metricsAddresses = (sidecars: readonly { readonly node: NodeInfo }[]): string[] =>
  sidecars.flatMap(({ node: { metrics: m } }) =>
    m ? [`${m.host.includes(':') ? `[${m.host}]` : m.host}:${m.port}`] : [],
  );

export const startTrafficControllers = (
  o: CanaryOptions | undefined,
  deps: TrafficControllersDeps,
): TrafficControllers => {
  const { clock, logger } = deps;
  const metrics = metricsSourceOf(o, { clock, sidecarMetrics: () => metricsAddresses(deps.sidecars()) });
  const canary = createCanaryController(o, { clock, logger, metrics, onWeightsChanged: deps.recompile });
  const guard = new FaultGuard({
    clock,
    logger,
    metrics,
    ...(o?.isLeader ? { isLeader: o.isLeader } : {}),
    onAbort: deps.recompile,
    isActive: deps.faultActive,
  });
  const ramp = new FaultRamp(clock, deps.recompile);
  return {
    sync(resources) {
      canary.sync(resources);
      guard.sync(resources);
      ramp.sync(resources);
    },
    // Order matters: the guard and the ramp recognise faults by the object's own version.
    overlay: (resources) => ramp.overlay(guard.overlay(overlayWeights(resources, canary.weightsOverlay()))),
    issues: () => canary.issues(),
    canaries: () => canary.status(),
    faults: (faults) => guard.decorate(faults),
    post: (path) => canaryCommandRoute(canary, path),
    close() {
      canary.close();
      guard.close();
      ramp.close();
    },
  };
};
