// Writes what the control plane thinks of the objects back to Kubernetes, on the leader only:
// the `Accepted` condition on weft's own kinds (status subresource), and a Warning Event on an
// invalid TrafficSplit (SMI kinds have no status of ours), and the start of each FaultInjection
// experiment (fault-start.ts). Runs after each compile; writes only what changed; passes never overlap.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConfigIssue } from '../../../api/model/result.ts';
import type { Clock } from '../../../api/runtime/clock.ts';
import type { RouteStatus } from '../../index/gateway-status.ts';
import { acceptedCondition, issuesOf, sameCondition, type StatusShape } from './accepted.ts';
import { ROUTE_PLURALS, routeStatusPatch } from './route-status.ts';
import { faultStartPatch, type FaultTiming } from '../../sources/kube/fault-start.ts';
import { isKubeError, type JsonObject, type KubeHttp } from '../../sources/kube/kube-http.ts';

export interface StatusWriterOptions {
  readonly http: KubeHttp;
  /** Raw objects of meshed namespaces by origin (kube://Kind/ns/name). */
  readonly objects: () => ReadonlyMap<string, JsonObject>;
  readonly isLeader: () => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This replica, for Event.reportingInstance. */
  readonly identity: string;
  /** How this replica timed each FaultInjection (recorded on the object by the leader). */
  readonly faults?: () => readonly FaultTiming[];
  /** Gateway API route conditions of the last compile, written to `status.parents[]`. */
  readonly routes?: () => readonly RouteStatus[];
}

export interface StatusWriter {
  /** Call after each compile with every current issue. */
  update(issues: readonly ConfigIssue[]): void;
  /** Resolves when no pass is running (tests, shutdown). */
  idle(): Promise<void>;
}

const STATUS_KINDS: Readonly<Record<string, string>> = {
  TrafficPolicy: 'trafficpolicies',
  FaultInjection: 'faultinjections',
};
const EVENT_KINDS = new Set(['TrafficSplit']);

interface Meta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
}

const metaOf = (o: JsonObject): Meta => o.metadata as Meta;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const statusWriter = (o: StatusWriterOptions): StatusWriter => {
  const log = o.logger.child({ component: 'control-plane.kube.status' });
  const reported = new Set<string>();
  let running: Promise<void> | undefined;
  let next: readonly ConfigIssue[] | undefined;

  const writeStatus = async (
    obj: JsonObject,
    problems: string[],
    timings: ReadonlyMap<string, FaultTiming>,
  ): Promise<void> => {
    const md = metaOf(obj);
    const previous = obj.status as StatusShape | undefined;
    const cond = acceptedCondition(problems, md.generation ?? 0, iso(o.clock.wallNow()), previous);
    const started = faultStartPatch(obj, timings);
    if (sameCondition(cond, previous) && !started) return;
    const [group, version] = String(obj.apiVersion).split('/');
    await o.http({
      method: 'PATCH',
      path: `/apis/${group}/${version}/namespaces/${md.namespace}/${STATUS_KINDS[String(obj.kind)]}/${md.name}/status`,
      body: { status: { observedGeneration: cond.observedGeneration, conditions: [cond], ...started } },
    });
  };

  const writeEvent = async (obj: JsonObject, problems: string[]): Promise<void> => {
    if (problems.length === 0) return;
    const md = metaOf(obj);
    const message = problems.join('; ').slice(0, 1000);
    const key = `${md.uid ?? ''}/${md.generation ?? 0}/${message}`;
    if (reported.has(key)) return;
    const now = iso(o.clock.wallNow());
    // Named from the object and message: a new leader re-reporting the same problem gets 409.
    const suffix = createHash('sha256').update(key).digest('hex').slice(0, 10);
    try {
      await o.http({
        method: 'POST',
        path: `/api/v1/namespaces/${md.namespace}/events`,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${md.name}.${suffix}`, namespace: md.namespace },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: md.name,
            namespace: md.namespace,
            uid: md.uid,
            resourceVersion: md.resourceVersion,
          },
          type: 'Warning',
          reason: `Invalid${String(obj.kind)}`,
          message,
          source: { component: 'weft-control-plane' },
          reportingComponent: 'weft.io/control-plane',
          reportingInstance: o.identity,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (e) {
      if (!isKubeError(e, 409)) throw e;
    }
    reported.add(key);
  };

  const writeRouteStatus = async (
    obj: JsonObject,
    routes: ReadonlyMap<string, RouteStatus>,
  ): Promise<void> => {
    const md = metaOf(obj);
    const ours = routes.get(`${String(obj.kind)} ${md.namespace}/${md.name}`);
    const body = ours && routeStatusPatch(obj, ours, iso(o.clock.wallNow()));
    if (!body) return;
    await o.http({
      method: 'PATCH',
      path: `/apis/gateway.networking.k8s.io/v1/namespaces/${md.namespace}/${ROUTE_PLURALS[String(obj.kind)]}/${md.name}/status`,
      body,
    });
  };

  const pass = async (issues: readonly ConfigIssue[]): Promise<void> => {
    const timings = new Map((o.faults?.() ?? []).map((f) => [f.name, f]));
    const routes = new Map((o.routes?.() ?? []).map((r) => [`${r.kind} ${r.namespace}/${r.name}`, r]));
    for (const [origin, obj] of o.objects()) {
      if (!o.isLeader()) return; // lost the lease mid-pass: the new leader takes over
      const kind = String(obj.kind);
      const problems = issuesOf(issues, origin);
      try {
        if (STATUS_KINDS[kind]) await writeStatus(obj, problems, timings);
        else if (EVENT_KINDS.has(kind)) await writeEvent(obj, problems);
        else if (ROUTE_PLURALS[kind]) await writeRouteStatus(obj, routes);
      } catch (e) {
        // 404/409: the object changed or went away meanwhile; the next compile writes again.
        log.info({ err: e, object: origin }, 'status write skipped');
      }
    }
  };

  const drain = async (): Promise<void> => {
    while (next) {
      const issues = next;
      next = undefined;
      await pass(issues);
    }
    running = undefined;
  };

  return {
    update(issues) {
      if (!o.isLeader()) return;
      next = issues;
      running ??= drain();
    },
    idle: async () => {
      while (running) await running;
    },
  };
};
