// Gateway API routes attached to the addressed Service (GAMMA): picks the rule by the first match
// in precedence order, runs its filters (header edits, rewrite, redirect, mirror), picks a
// backendRef by weight and hands the request to that backend's chain; then edits the response.
// Replaces the SMI split layer for a Service with routes. A port without routes keeps the
// Service's own routing; a routed port where no rule matches answers 404 (ROUTE_NO_MATCH).
import type { Logger } from 'pino';
import type {
  HeaderEditView,
  HttpBackendView,
  HttpFilterView,
  HttpMatchView,
  HttpRouteTableView,
  HttpRuleView,
} from '../../api/model/http-route.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import { MeshError } from '../stack/errors.ts';
import {
  compose,
  type CallCtx,
  type Handler,
  type Layer,
  type MeshRequest,
  type MeshResponse,
} from '../stack/types.ts';
import { discardResponse } from './body-done.ts';
import { editHeaders, redirectResponse, rewriteRequest } from './http-route-filters.ts';
import { compileRouteTable } from './http-route-match.ts';
import { perTryTimeoutLayer } from './per-try-timeout.ts';
import { note } from './policy-deps.ts';
import { retryLayer } from './retry.ts';
import type { RetryBudget, RetryBudgetView } from './retry-budget.ts';
import { pickWeighted } from './split.ts';
import { timeoutLayer } from './timeout.ts';

export interface HttpRouteDeps {
  readonly clock: Clock;
  readonly random: Random;
  /** Every service of the snapshot, by `namespace/name`: backendRefs and mirrors name them. */
  readonly services: Readonly<Record<string, ServiceView>>;
  /** Retry budgets kept across snapshots (PolicyBuild.budget). */
  readonly budget: (scope: string, view: RetryBudgetView) => RetryBudget;
  readonly logger?: Logger;
}

/** The request port when the authority named none: plain HTTP's. */
const DEFAULT_PORT = 80;

interface Matched {
  readonly match: HttpMatchView;
  readonly port: number;
}

const invalid = (rule: HttpRuleView, why: string) =>
  Promise.reject(new MeshError('ROUTE_BACKEND_INVALID', `route ${rule.route}: ${why}`));

const editResponse = (res: MeshResponse, edits: readonly HeaderEditView[]): MeshResponse =>
  edits.length === 0 ? res : { ...res, headers: edits.reduce((h, e) => editHeaders(h, e), res.headers) };

/** Fire and forget: the copy goes to the mirror's backend chain; its answer and failure are dropped. */
const mirror = (
  req: MeshRequest,
  ctx: CallCtx,
  service: ServiceView | undefined,
  toBackend: Handler,
): void => {
  // A streamed body can be read once, by the real request: only bodiless requests are mirrored.
  if (!service || req.body !== null) return;
  const mctx: CallCtx = {
    service: ctx.service,
    backend: service,
    tried: new Set(),
    attempt: 0,
    signal: new AbortController().signal,
    notes: [],
    ...(ctx.sourceServiceAccount !== undefined ? { sourceServiceAccount: ctx.sourceServiceAccount } : {}),
  };
  toBackend(req, mctx).then(discardResponse, () => undefined);
  note(req, ctx, `mirror:${service.namespace}/${service.name}`);
};

type Applied = { readonly req: MeshRequest } | { readonly res: Promise<MeshResponse> };

/** Runs request filters in order; a redirect or an unsupported filter ends the request there. */
const applyFilters = (
  filters: readonly HttpFilterView[] | undefined,
  start: MeshRequest,
  m: Matched,
  io: {
    readonly rule: HttpRuleView;
    readonly responseEdits: HeaderEditView[];
    readonly mirrorTo: (req: MeshRequest, f: { service: string }) => void;
  },
): Applied => {
  let req = start;
  for (const f of filters ?? []) {
    if (f.type === 'RequestHeaderModifier') req = { ...req, headers: editHeaders(req.headers, f.edit) };
    else if (f.type === 'ResponseHeaderModifier') io.responseEdits.push(f.edit);
    else if (f.type === 'URLRewrite') req = rewriteRequest(req, f, m.match);
    else if (f.type === 'RequestRedirect')
      return { res: Promise.resolve(redirectResponse(req, f, m.match, m.port)) };
    else if (f.type === 'RequestMirror') io.mirrorTo(req, f);
    else return { res: invalid(io.rule, `filter ${f.reason} is not supported`) };
  }
  return { req };
};

const ruleHandler = (
  rule: HttpRuleView,
  toBackend: Handler,
  matched: WeakMap<CallCtx, Matched>,
  deps: HttpRouteDeps,
): Handler => {
  const retries = rule.retries;
  const perTry = rule.backendRequestTimeoutMs;
  const send = compose(
    ...(retries
      ? [
          retryLayer(retries, {
            clock: deps.clock,
            random: deps.random,
            budget: deps.budget(`httproute ${rule.route}`, retries.budget),
            ...(deps.logger ? { logger: deps.logger } : {}),
          }),
        ]
      : []),
    ...(perTry !== undefined ? [perTryTimeoutLayer({ perTryTimeoutMs: perTry }, deps)] : []),
  )(toBackend);
  const weights = rule.backends.map((b) => b.weight);
  const core: Handler = async (req, ctx) => {
    const m = matched.get(ctx) as Matched;
    const responseEdits: HeaderEditView[] = [];
    const mirrorTo = (r: MeshRequest, f: { service: string }) =>
      mirror(r, ctx, deps.services[f.service], toBackend);
    const io = { rule, responseEdits, mirrorTo };
    const ruleApplied = applyFilters(rule.filters, req, m, io);
    if ('res' in ruleApplied) return ruleApplied.res;
    const chosen: HttpBackendView | undefined = rule.backends[pickWeighted(weights, deps.random())];
    if (!chosen)
      return invalid(
        rule,
        rule.backends.length === 0 ? 'the rule has no backendRefs' : 'every backendRef has weight 0',
      );
    const backend = chosen.service === undefined ? undefined : deps.services[chosen.service];
    if (!backend) return invalid(rule, `backendRef ${chosen.service ?? '(unresolved)'} did not resolve`);
    const backendApplied = applyFilters(chosen.filters, ruleApplied.req, m, io);
    if ('res' in backendApplied) return backendApplied.res;
    ctx.backend = backend;
    note(req, ctx, `route:${rule.route}>${chosen.service}`);
    return editResponse(await send(backendApplied.req, ctx), responseEdits);
  };
  return rule.requestTimeoutMs ? timeoutLayer({ timeoutMs: rule.requestTimeoutMs }, deps)(core) : core;
};

export const httpRouteLayer =
  (table: HttpRouteTableView, deps: HttpRouteDeps): Layer =>
  (next) => {
    const matcher = compileRouteTable(table);
    const matched = new WeakMap<CallCtx, Matched>();
    const rules = table.rules.map((r) => ruleHandler(r, next, matched, deps));
    return (req, ctx) => {
      const port = ctx.servicePort?.port ?? DEFAULT_PORT;
      // Routes attach to the Service's frontend: a connection to one pod's IP bypasses them.
      if (ctx.destination?.endpoint || !matcher.applies(port)) return next(req, ctx);
      const i = matcher.select(req, port);
      const entry = table.matches[i];
      if (!entry)
        return Promise.reject(
          new MeshError(
            'ROUTE_NO_MATCH',
            `no HTTPRoute/GRPCRoute rule of ${ctx.service.namespace}/${ctx.service.name} matches ${req.method} ${req.path}`,
          ),
        );
      matched.set(ctx, { match: entry.match, port });
      ctx.route = table.rules[entry.rule]?.route;
      return (rules[entry.rule] as Handler)(req, ctx);
    };
  };
