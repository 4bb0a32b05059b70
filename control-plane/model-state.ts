// The control plane's live state between source and push: latest config, connected sidecars'
// endpoints, FaultInjection first-seen times, the compiled model and its issues (logged once).
import type { Logger } from 'pino';
import type { NodeInfo } from '../api/convert/node.ts';
import type { ConfigIssue } from '../api/model/result.ts';
import type { Clock } from '../api/runtime/clock.ts';
import { buildModel } from './index/build-model.ts';
import type { LocalEndpoint, MeshModel } from './index/model.ts';
import { spiffeId } from './snapshot/snapshot-for.ts';
import type { ConfigState } from './sources/types.ts';

export interface ModelStateOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly clusterDomain: string;
  readonly trustDomain: string;
}

export class ModelState {
  private readonly opts: ModelStateOptions;
  private readonly log: Logger;
  private readonly firstSeenAt = new Map<string, number>();
  private loggedIssues = new Set<string>();
  private config: ConfigState = { resources: [], issues: [] };
  private indexIssues: readonly ConfigIssue[] = [];
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
              identity: spiffeId(this.opts.trustDomain, n.namespace, n.serviceAccount),
            },
          ]
        : [],
    );
    const used = new Set<string>();
    const firstSeen = (key: string): number => {
      used.add(key);
      let at = this.firstSeenAt.get(key);
      if (at === undefined) this.firstSeenAt.set(key, (at = this.opts.clock.wallNow()));
      return at;
    };
    const built = buildModel(this.config.resources, {
      clusterDomain: this.opts.clusterDomain,
      localEndpoints,
      firstSeen,
    });
    // A fault that disappears and comes back later starts a new experiment.
    for (const key of this.firstSeenAt.keys()) if (!used.has(key)) this.firstSeenAt.delete(key);
    this.model = built.model;
    this.indexIssues = built.issues;
    this.logNewIssues(built.issues);
  }

  private logNewIssues(issues: readonly ConfigIssue[]): void {
    const now = new Set(issues.map((i) => `${i.path}\u0000${i.message}`));
    const fresh = issues.filter((i) => !this.loggedIssues.has(`${i.path}\u0000${i.message}`));
    if (fresh.length > 0) this.log.warn({ issues: fresh }, 'configuration issues across objects');
    this.loggedIssues = now;
  }
}
