// The control plane's live state between source and push: latest config, connected sidecars'
// endpoints, FaultInjection first-seen times (and the experiments' status), the compiled model
// and its issues (logged once).
import type { Logger } from 'pino';
import type { NodeInfo } from '../api/convert/node.ts';
import type { ConfigIssue } from '../api/model/result.ts';
import type { Clock } from '../api/runtime/clock.ts';
import { buildModel } from './index/build-model.ts';
import { internServices } from './index/intern.ts';
import { podOwners } from './index/pod-identity.ts';
import type { LocalEndpoint, MeshModel } from './index/model.ts';
import { faultVersionKey } from './index/policies.ts';
import { keyOf, ofKind } from './index/select.ts';
import { spiffeId } from '../api/model/spiffe.ts';
import type { ConfigState, SourcedResource } from './sources/types.ts';

export interface ModelStateOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly clusterDomain: string;
  readonly trustDomain: string;
  /**
   * Rewrites the configuration before it is compiled, leaving the source's copy as written
   * (the canary controller's weights on the TrafficSplits it moves).
   */
  readonly overlay?: (resources: readonly SourcedResource[]) => readonly SourcedResource[];
}

/** One FaultInjection experiment as `/status` shows it (times are ISO 8601, wall clock). */
export interface FaultStatus {
  /** `namespace/name` of the FaultInjection. */
  readonly name: string;
  /** `namespace/name` of the Service it targets. */
  readonly target: string;
  readonly state: 'active' | 'ended';
  /** When the control plane first saw this version of the object. */
  readonly startTime: string;
  /** startTime + spec.duration, or when abortIf ended it; absent when it has no end yet. */
  readonly endTime?: string;
  /** Set when spec.abortIf ended the experiment early: why, and the window's figures. */
  readonly abortedBy?: {
    readonly at: string;
    readonly reason: string;
    readonly requests: number;
    readonly successRate: number | null;
    readonly p99Ms: number | null;
  };
}

interface FaultTimes {
  readonly name: string;
  readonly target: string;
  readonly startMs: number;
  readonly endMs?: number;
}

export class ModelState {
  private readonly opts: ModelStateOptions;
  private readonly log: Logger;
  private readonly firstSeenAt = new Map<string, number>();
  private loggedIssues = new Set<string>();
  private config: ConfigState = { resources: [], issues: [] };
  private indexIssues: readonly ConfigIssue[] = [];
  private faultTimes: readonly FaultTimes[] = [];
  model: MeshModel = { services: new Map(), authz: {} };

  constructor(opts: ModelStateOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ component: 'control-plane.index' });
  }

  setConfig(config: ConfigState): void {
    this.config = config;
  }

  /** Source issues (already logged by the source) followed by cross-object issues. */
  issues(): readonly ConfigIssue[] {
    return [...this.config.issues, ...this.indexIssues];
  }

  rebuild(sidecars: readonly NodeInfo[]): void {
    const localEndpoints: LocalEndpoint[] = sidecars.flatMap((n) =>
      n.service && n.inbound
        ? [
            {
              namespace: n.namespace,
              service: n.service,
              workload: n.workload,
              address: n.inbound.host,
              port: n.inbound.port,
              identity: spiffeId({
                trustDomain: this.opts.trustDomain,
                namespace: n.namespace,
                serviceAccount: n.serviceAccount,
              }),
            },
          ]
        : [],
    );
    const used = new Set<string>();
    const recorded = this.config.faultStarts;
    const firstSeen = (key: string): number => {
      used.add(key);
      const shared = recorded?.get(key); // the leader's record (Kubernetes mode) wins
      if (shared !== undefined) this.firstSeenAt.set(key, shared);
      let at = this.firstSeenAt.get(key);
      if (at === undefined) this.firstSeenAt.set(key, (at = this.opts.clock.wallNow()));
      return at;
    };
    const pods = this.config.pods;
    const resources = this.opts.overlay?.(this.config.resources) ?? this.config.resources;
    const built = buildModel(resources, {
      clusterDomain: this.opts.clusterDomain,
      localEndpoints,
      firstSeen,
      ...(pods ? { ownerOf: podOwners(pods, this.opts.trustDomain) } : {}),
    });
    this.faultTimes = this.timeFaults(firstSeen);
    // A fault that disappears and comes back later starts a new experiment.
    for (const key of this.firstSeenAt.keys()) if (!used.has(key)) this.firstSeenAt.delete(key);
    this.model = internServices(this.model, built.model);
    this.indexIssues = built.issues;
    this.logNewIssues(built.issues);
  }

  /** Every FaultInjection of the configuration, active until its end time on the injected clock. */
  faultStatus(): readonly FaultStatus[] {
    const now = this.opts.clock.wallNow();
    const iso = (ms: number): string => new Date(ms).toISOString();
    return this.faultTimes.map((f) => ({
      name: f.name,
      target: f.target,
      state: f.endMs !== undefined && now >= f.endMs ? 'ended' : 'active',
      startTime: iso(f.startMs),
      ...(f.endMs !== undefined ? { endTime: iso(f.endMs) } : {}),
    }));
  }

  /** Start (first seen, the same clock the sidecars' endsAtMs comes from) and end of each fault. */
  private timeFaults(firstSeen: (key: string) => number): FaultTimes[] {
    return [...ofKind(this.config.resources, 'FaultInjection', []).values()].map(({ resource: f }) => {
      const startMs = firstSeen(faultVersionKey(f));
      return {
        name: keyOf(f),
        target: `${f.meta.namespace}/${f.spec.targetRef.name}`,
        startMs,
        ...(f.spec.duration !== undefined ? { endMs: startMs + f.spec.duration } : {}),
      };
    });
  }

  private logNewIssues(issues: readonly ConfigIssue[]): void {
    const now = new Set(issues.map((i) => `${i.path}\u0000${i.message}`));
    const fresh = issues.filter((i) => !this.loggedIssues.has(`${i.path}\u0000${i.message}`));
    if (fresh.length > 0) this.log.warn({ issues: fresh }, 'configuration issues across objects');
    this.loggedIssues = now;
  }
}
