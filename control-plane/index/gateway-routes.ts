// Gateway API routes attached to Services (GAMMA): a producer route (in the Service's namespace)
// shapes every client's traffic to it; a consumer route (in another namespace) only its own
// namespace's, and replaces the producer routes for those clients. Parents that are Gateways
// belong to ingress controllers and are skipped silently. Pure.
import type { HttpMatchView, HttpRouteTableView, HttpRuleView } from '../../api/model/http-route.ts';
import type { ConfigIssue } from '../../api/model/result.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { ParentRefSpec } from '../../api/schema/gateway-route.ts';
import type { GrpcRouteResource, HttpRouteResource } from '../../api/schema/resources.ts';
import type { SourcedResource } from '../sources/types.ts';
import { compareMatches } from './gateway-matches.ts';
import { compileRoute } from './gateway-rules.ts';
import {
  accepted,
  CONTROLLER_NAME,
  resolvedRefs,
  type RouteParentStatus,
  type RouteStatus,
} from './gateway-status.ts';
import { where } from './model.ts';
import { ofKind, type Sourced } from './select.ts';

type Route = Sourced<HttpRouteResource | GrpcRouteResource>;

interface Entry {
  readonly match: HttpMatchView;
  readonly rule: HttpRuleView;
  readonly ports?: readonly number[];
}

interface Attached {
  readonly entries: Entry[];
  readonly ports: Set<number>;
  allPorts: boolean;
}

export interface GatewayRoutes {
  /** Service key → producer routes' table. */
  readonly producer: ReadonlyMap<string, HttpRouteTableView>;
  /** Client namespace → Service key → consumer routes' table (replaces the producer table). */
  readonly consumer: ReadonlyMap<string, ReadonlyMap<string, HttpRouteTableView>>;
  readonly status: readonly RouteStatus[];
}

const isService = (p: ParentRefSpec) => (p.group === '' || p.group === 'core') && p.kind === 'Service';

/** Oldest first (the spec's tie-break), then namespace/name; local files have no timestamp. */
const byAge = (a: Route, b: Route): number => {
  const ta = a.resource.meta.creationTimestamp ?? '';
  const tb = b.resource.meta.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.resource.meta.namespace}/${a.resource.meta.name}`;
  const kb = `${b.resource.meta.namespace}/${b.resource.meta.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

const tableOf = (a: Attached): HttpRouteTableView => {
  // Array.prototype.sort is stable: equal matches keep route age, rule and match order.
  const sorted = [...a.entries].sort((x, y) => compareMatches(x.match, y.match));
  const rules: HttpRuleView[] = [];
  const index = new Map<HttpRuleView, number>();
  const matches = sorted.map((e) => {
    let i = index.get(e.rule);
    if (i === undefined) index.set(e.rule, (i = rules.push(e.rule) - 1));
    return { match: e.match, rule: i, ...(e.ports ? { ports: e.ports } : {}) };
  });
  return {
    rules,
    matches,
    ...(a.ports.size > 0 ? { ports: [...a.ports].sort((x, y) => x - y) } : {}),
    ...(a.allPorts ? { allPorts: true } : {}),
  };
};

const parentProblem = (p: ParentRefSpec, key: string, services: ReadonlyMap<string, ServiceView>) => {
  const svc = services.get(key);
  if (!svc) return `no Service ${key} is defined: create it or fix parentRefs`;
  if (p.port !== undefined && !svc.ports.some((sp) => sp.port === p.port))
    return `Service ${key} has no port ${p.port}: use one of ${svc.ports.map((sp) => sp.port).join(', ')}`;
  return undefined;
};

const attachedFor = (map: Map<string, Attached>, key: string): Attached => {
  let a = map.get(key);
  if (!a) map.set(key, (a = { entries: [], ports: new Set(), allPorts: false }));
  return a;
};

interface Tables {
  readonly producer: Map<string, Attached>;
  readonly consumer: Map<string, Map<string, Attached>>;
}

type CompiledRoute = ReturnType<typeof compileRoute>;

const reportProblems = (r: Route, compiled: CompiledRoute, issues: ConfigIssue[]): void => {
  for (const pr of compiled.problems)
    issues.push({ path: `${where(r)}: ${pr.field}`, message: `${pr.message} (Accepted: UnsupportedValue)` });
  for (const ref of compiled.refused)
    issues.push({
      path: `${where(r)}: ${ref.field}`,
      message: `${ref.message} (ResolvedRefs: ${ref.reason})`,
    });
};

/** A producer route's table is the Service's; a consumer route's is its namespace's for that Service. */
const tableFor = (tables: Tables, routeNs: string, parentNs: string, key: string): Attached => {
  if (parentNs === routeNs) return attachedFor(tables.producer, key);
  let byService = tables.consumer.get(routeNs);
  if (!byService) tables.consumer.set(routeNs, (byService = new Map()));
  return attachedFor(byService, key);
};

const attach = (table: Attached, p: ParentRefSpec, compiled: CompiledRoute): void => {
  if (p.port === undefined) table.allPorts = true;
  else table.ports.add(p.port);
  const ports = p.port !== undefined ? { ports: [p.port] } : {};
  for (const c of compiled.rules)
    for (const match of c.matches) table.entries.push({ match, rule: c.view, ...ports });
};

/** Attaches one route to each of its Service parents; its status, or undefined for a Gateway's route. */
const compileOne = (
  r: Route,
  services: ReadonlyMap<string, ServiceView>,
  tables: Tables,
  issues: ConfigIssue[],
): RouteStatus | undefined => {
  const { meta } = r.resource;
  const parents = (r.resource.spec.parentRefs ?? [])
    .map((p, i) => ({ p, i, ns: p.namespace ?? meta.namespace }))
    .filter(({ p }) => isService(p));
  if (parents.length === 0) return undefined; // a Gateway's route: not the mesh's business
  const compiled = compileRoute(r.resource, services, new Set(parents.map((x) => x.ns)));
  reportProblems(r, compiled, issues);
  const parentStatus = parents.map(({ p, i, ns }): RouteParentStatus => {
    const key = `${ns}/${p.name}`;
    const problem = parentProblem(p, key, services);
    if (problem)
      issues.push({
        path: `${where(r)}: spec.parentRefs[${i}]`,
        message: `${problem} (Accepted: NoMatchingParent)`,
      });
    else attach(tableFor(tables, meta.namespace, ns, key), p, compiled);
    const port = p.port !== undefined ? { port: p.port } : {};
    return {
      parentRef: { group: '', kind: 'Service', namespace: ns, name: p.name, ...port },
      controllerName: CONTROLLER_NAME,
      conditions: [
        ...accepted(problem, compiled.problems.length, compiled.rules.length, meta.generation),
        resolvedRefs(compiled.refused, meta.generation),
      ],
    };
  });
  return { kind: r.resource.kind, namespace: meta.namespace, name: meta.name, parents: parentStatus };
};

export const compileGatewayRoutes = (
  all: readonly SourcedResource[],
  services: ReadonlyMap<string, ServiceView>,
  issues: ConfigIssue[],
): GatewayRoutes => {
  const routes = [...ofKind(all, 'HTTPRoute', issues).values(), ...ofKind(all, 'GRPCRoute', issues).values()];
  routes.sort(byAge);
  const tables: Tables = { producer: new Map(), consumer: new Map() };
  const status = routes.flatMap((r) => compileOne(r, services, tables, issues) ?? []);
  const tablesOf = (m: Map<string, Attached>) => new Map([...m].map(([k, a]) => [k, tableOf(a)]));
  return {
    producer: tablesOf(tables.producer),
    consumer: new Map([...tables.consumer].map(([ns, m]) => [ns, tablesOf(m)])),
    status,
  };
};

/** Producer tables onto their Services; a TrafficSplit on the same Service yields (reported on it). */
export const attachGatewayRoutes = (
  all: readonly SourcedResource[],
  routes: GatewayRoutes,
  services: Map<string, ServiceView>,
  issues: ConfigIssue[],
): void => {
  const splits = ofKind(all, 'TrafficSplit', []);
  for (const [key, table] of routes.producer) {
    const svc = services.get(key);
    if (!svc) continue;
    const split = svc.split && splits.get(svc.split.name);
    if (split)
      issues.push({
        path: `${where(split)}: spec.service`,
        message: `Service ${key} also has HTTPRoute/GRPCRoute rules attached: the Gateway API routes win and this split is not applied`,
      });
    services.set(key, { ...svc, httpRoutes: table });
  }
};
