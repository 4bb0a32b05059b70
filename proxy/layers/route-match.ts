// Routing: Host/:authority → mesh service (ServiceView.hosts; the port may pick a ServicePort),
// NO_ROUTE otherwise; plus matchesRoute for RouteMatch (path regex, methods, headers).
import type { RouteMatch, ServicePort, ServiceView } from '../../api/model/snapshot.ts';
import { MeshError } from '../stack/errors.ts';
import type { Layer } from '../stack/types.ts';
import { compileRouteMatch, type MatchableRequest, type RequestMatcher } from './route-rules.ts';

export interface RouteTarget {
  readonly service: ServiceView;
  readonly port?: ServicePort;
}

export interface RouteIndex {
  resolve(authority: string): RouteTarget | undefined;
}

/** ctx.service before route-match has run: names nothing and has no endpoints. */
export const UNRESOLVED: ServiceView = Object.freeze({
  name: '',
  namespace: '',
  hosts: [],
  ports: [],
  endpoints: [],
});

/** "host", "host:80", "[::1]:80" → lower-case host and optional port. */
export const splitAuthority = (authority: string): { host: string; port?: number } => {
  const a = authority.toLowerCase();
  const close = a.startsWith('[') ? a.indexOf(']') : -1;
  const colon = a.lastIndexOf(':');
  if (colon <= close || (close < 0 && a.indexOf(':') !== colon)) return { host: a };
  const port = Number(a.slice(colon + 1));
  return Number.isInteger(port) && port > 0 ? { host: a.slice(0, colon), port } : { host: a.slice(0, colon) };
};

/** Built once per snapshot. When two services claim a host, the first by key wins. */
export const buildRouteIndex = (services: Readonly<Record<string, ServiceView>>): RouteIndex => {
  const byHost = new Map<string, ServiceView>();
  for (const key of Object.keys(services).sort()) {
    const svc = services[key] as ServiceView;
    for (const h of svc.hosts) if (!byHost.has(h.toLowerCase())) byHost.set(h.toLowerCase(), svc);
  }
  return {
    resolve: (authority) => {
      const { host, port } = splitAuthority(authority);
      const service = byHost.get(host);
      if (!service) return undefined;
      return { service, port: port === undefined ? undefined : service.ports.find((p) => p.port === port) };
    },
  };
};

export const routeMatchLayer =
  (index: RouteIndex): Layer =>
  (next) =>
  (req, ctx) => {
    // A captured connection's original destination names the service better than its Host.
    const target = ctx.destination ?? index.resolve(req.authority);
    if (!target)
      return Promise.reject(new MeshError('NO_ROUTE', `no mesh service is named "${req.authority}"`));
    ctx.service = target.service;
    ctx.servicePort = target.port;
    return next(req, ctx);
  };

const compiled = new WeakMap<RouteMatch, RequestMatcher>();

/** All given fields must match: full-match path regex (query excluded), method list, header regexes. */
export const matchesRoute = (match: RouteMatch, req: MatchableRequest): boolean => {
  let m = compiled.get(match);
  if (!m) {
    m = compileRouteMatch(match);
    compiled.set(match, m);
  }
  return m(req);
};
