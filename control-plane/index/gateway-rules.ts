// One Gateway API route's rules → HttpRuleView + its matches, independent of which Service it
// attaches to. Backends resolve against the model's Services; a reference that does not resolve
// keeps its weight with no service, so its share of requests gets 500 (as the spec asks).
import type { HttpBackendView, HttpMatchView, HttpRuleView } from '../../api/model/http-route.ts';
import type { RetryPolicyView } from '../../api/model/policy.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { BackendRefSpec, GrpcRuleSpec, HttpRuleSpec } from '../../api/schema/gateway-route.ts';
import type { GrpcRouteResource, HttpRouteResource } from '../../api/schema/resources.ts';
import { filterOf } from './gateway-filters.ts';
import { grpcMatchOf, httpMatchOf, type Problem } from './gateway-matches.ts';
import type { ConditionReason } from './gateway-status.ts';
import { RETRY_DEFAULTS } from './policy-defaults.ts';

export interface CompiledRule {
  readonly view: HttpRuleView;
  readonly matches: readonly HttpMatchView[];
}

export interface RefusedRef {
  readonly field: string;
  readonly reason: ConditionReason;
  readonly message: string;
}

export interface CompiledRoute {
  readonly rules: readonly CompiledRule[];
  readonly problems: readonly Problem[];
  readonly refused: readonly RefusedRef[];
}

type RouteResource = HttpRouteResource | GrpcRouteResource;

interface Ctx {
  readonly route: RouteResource;
  readonly services: ReadonlyMap<string, ServiceView>;
  /** Namespaces a backendRef may name without a ReferenceGrant: the route's and its parents'. */
  readonly allowed: ReadonlySet<string>;
  readonly problems: Problem[];
  readonly refused: RefusedRef[];
}

const resolveRef = (
  ref: {
    group?: string | undefined;
    kind?: string | undefined;
    name: string;
    namespace?: string | undefined;
    port?: number | undefined;
  },
  at: string,
  ctx: Ctx,
): { service: string; port?: number } | undefined => {
  const refuse = (reason: ConditionReason, message: string) => {
    ctx.refused.push({ field: at, reason, message });
    return undefined;
  };
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service')
    return refuse(
      'InvalidKind',
      `must name a core Service (group "" and kind Service), got ${ref.group ?? ''}/${ref.kind}`,
    );
  const ns = ref.namespace ?? ctx.route.meta.namespace;
  if (!ctx.allowed.has(ns))
    return refuse(
      'RefNotPermitted',
      `names Service ${ns}/${ref.name} in another namespace: weft does not read ReferenceGrants yet, so only the route's namespace and its parent Services' are allowed`,
    );
  const key = `${ns}/${ref.name}`;
  const svc = ctx.services.get(key);
  if (!svc) return refuse('BackendNotFound', `no Service ${key} is defined: its share of requests gets 500`);
  if (ref.port !== undefined && !svc.ports.some((p) => p.port === ref.port))
    return refuse(
      'BackendNotFound',
      `Service ${key} has no port ${ref.port}: its share of requests gets 500`,
    );
  return { service: key, ...(ref.port !== undefined ? { port: ref.port } : {}) };
};

const filtersOf = (filters: BackendRefSpec['filters'], at: string, ctx: Ctx) =>
  filters?.length
    ? filters.map((f, i) => filterOf(f, `${at}[${i}]`, (ref, p) => resolveRef(ref, p, ctx), ctx.problems))
    : undefined;

const backendOf = (b: BackendRefSpec, at: string, ctx: Ctx): HttpBackendView => {
  const target = resolveRef(b, at, ctx);
  const filters = filtersOf(b.filters, `${at}.filters`, ctx);
  return {
    ...(target ?? {}),
    ...(target === undefined && b.port !== undefined ? { port: b.port } : {}),
    weight: b.weight ?? 1,
    ...(filters ? { filters } : {}),
  };
};

const ruleName = (route: RouteResource, name: string | undefined) =>
  `${route.meta.namespace}/${route.meta.name}${name ? `/${name}` : ''}`;

/**
 * HTTPRoute `retry` on weft's retry layer: the TrafficPolicy defaults (budget, replay bound) with
 * the route's attempts, codes (default: 5xx and connection failures) and backoff (capped at 10×).
 */
const retriesOf = (
  r: NonNullable<HttpRuleSpec['retry']>,
  backendRequestMs: number | undefined,
): RetryPolicyView => ({
  ...RETRY_DEFAULTS,
  attempts: r.attempts ?? 1,
  ...(r.codes?.length
    ? { retryOn: ['retriable-status-codes', 'reset', 'connect-failure'], retriableStatusCodes: r.codes }
    : { retryOn: ['5xx', 'reset', 'connect-failure'] }),
  ...(r.backoff !== undefined ? { backoff: { baseMs: r.backoff, maxMs: r.backoff * 10 } } : {}),
  ...(backendRequestMs ? { perTryTimeoutMs: backendRequestMs } : {}),
});

const httpExtras = (rule: HttpRuleSpec): Partial<HttpRuleView> => {
  const t = rule.timeouts;
  const r = rule.retry;
  return {
    ...(t?.request ? { requestTimeoutMs: t.request } : {}),
    ...(t?.backendRequest ? { backendRequestTimeoutMs: t.backendRequest } : {}),
    ...(r && (r.attempts ?? 1) > 0 ? { retries: retriesOf(r, t?.backendRequest) } : {}),
  };
};

const ruleOf = (
  rule: HttpRuleSpec | GrpcRuleSpec,
  i: number,
  ctx: Ctx,
  matchOf: (m: never, at: string, p: Problem[]) => HttpMatchView | undefined,
): CompiledRule | undefined => {
  const at = `spec.rules[${i}]`;
  const given = (rule.matches ?? []) as never[];
  const matches = given.map((m, j) => matchOf(m, `${at}.matches[${j}]`, ctx.problems));
  const usable = matches.filter((m): m is HttpMatchView => m !== undefined);
  if (given.length > 0 && usable.length === 0) return undefined;
  const filters = filtersOf(rule.filters, `${at}.filters`, ctx);
  const backends = (rule.backendRefs ?? []).map((b, j) => backendOf(b, `${at}.backendRefs[${j}]`, ctx));
  const view: HttpRuleView = {
    route: ruleName(ctx.route, rule.name),
    ...(rule.name ? { name: rule.name } : {}),
    ...(filters ? { filters } : {}),
    backends,
    ...(ctx.route.kind === 'HTTPRoute' ? httpExtras(rule as HttpRuleSpec) : {}),
  };
  return { view, matches: given.length > 0 ? usable : [{ path: { type: 'PathPrefix', value: '/' } }] };
};

export const compileRoute = (
  route: RouteResource,
  services: ReadonlyMap<string, ServiceView>,
  parentNamespaces: ReadonlySet<string>,
): CompiledRoute => {
  const ctx: Ctx = {
    route,
    services,
    allowed: new Set([route.meta.namespace, ...parentNamespaces]),
    problems: [],
    refused: [],
  };
  const matchOf = (route.kind === 'HTTPRoute' ? httpMatchOf : grpcMatchOf) as (
    m: never,
    at: string,
    p: Problem[],
  ) => HttpMatchView | undefined;
  const rules: CompiledRule[] = [];
  (route.spec.rules ?? []).forEach((rule, i) => {
    const c = ruleOf(rule, i, ctx, matchOf);
    if (c) rules.push(c);
  });
  return { rules, problems: ctx.problems, refused: ctx.refused };
};
