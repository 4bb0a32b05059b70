// Gateway API route matches (api/model/http-route.ts) compiled into request predicates, once per
// snapshot. The table is already in precedence order (control-plane/index/gateway-matches.ts), so
// picking a rule is a walk to the first match that fits.
import type { HttpMatchView, HttpRouteTableView, ValueMatchView } from '../../api/model/http-route.ts';
import type { HeaderMap, MeshRequest } from '../stack/types.ts';

export type MatchableRequest = Pick<MeshRequest, 'method' | 'path' | 'headers'>;

interface Parsed {
  readonly path: string;
  readonly query: URLSearchParams | undefined;
}

const parse = (full: string): Parsed => {
  const q = full.indexOf('?');
  return q < 0
    ? { path: full, query: undefined }
    : { path: full.slice(0, q), query: new URLSearchParams(full.slice(q + 1)) };
};

const anchored = (source: string): RegExp => new RegExp(`^(?:${source})$`);

/** A prefix matches whole path segments: /v2 matches /v2 and /v2/x, not /v2example. */
export const prefixMatches = (prefix: string, path: string): boolean =>
  prefix === '/' ||
  (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/'));

const pathTest = (p: HttpMatchView['path']): ((path: string) => boolean) => {
  if (!p) return () => true;
  if (p.type === 'Exact') return (path) => path === p.value;
  if (p.type === 'PathPrefix') return (path) => prefixMatches(p.value, path);
  const re = anchored(p.value);
  return (path) => re.test(path);
};

const valueTest = (m: ValueMatchView): ((v: string | undefined) => boolean) => {
  if (m.type === 'Exact') return (v) => v === m.value;
  const re = anchored(m.value);
  return (v) => v !== undefined && re.test(v);
};

/** Several lines of one header count as one comma-joined value (RFC 9110 §5.3). */
const headerValue = (headers: HeaderMap, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export type CompiledMatch = (req: MatchableRequest, parsed: Parsed) => boolean;

export const compileHttpMatch = (m: HttpMatchView): CompiledMatch => {
  const path = pathTest(m.path);
  const headers = (m.headers ?? []).map((h) => [h.name, valueTest(h)] as const);
  // The spec: with a parameter given several times, the first value is the one matched.
  const query = (m.queryParams ?? []).map((q) => [q.name, valueTest(q)] as const);
  return (req, parsed) =>
    (m.method === undefined || req.method.toUpperCase() === m.method) &&
    path(parsed.path) &&
    headers.every(([name, test]) => test(headerValue(req.headers, name))) &&
    query.every(([name, test]) => test(parsed.query?.get(name) ?? undefined));
};

export interface RouteTableMatcher {
  /** Whether any route attached to this Service port (else the Service's own routing applies). */
  applies(port: number): boolean;
  /** Index into table.matches of the first match that fits, or -1. */
  select(req: MatchableRequest, port: number): number;
}

export const compileRouteTable = (table: HttpRouteTableView): RouteTableMatcher => {
  const matchers = table.matches.map((e) => ({ test: compileHttpMatch(e.match), ports: e.ports }));
  const ports = new Set(table.ports ?? []);
  return {
    applies: (port) => table.allPorts === true || ports.has(port),
    select: (req, port) => {
      const parsed = parse(req.path);
      return matchers.findIndex((m) => (!m.ports || m.ports.includes(port)) && m.test(req, parsed));
    },
  };
};
