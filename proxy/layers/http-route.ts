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
import { replayableBody } from './body-replay.ts';
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

/**
 * The Service port of a request whose authority named none: the Service's only port, else plain
 * HTTP's 80 (what a client resolving the name would have dialled).
 */
const impliedPort = (service: ServiceView): number =>
  service.ports.length === 1 ? (service.ports[0] as ServiceView['ports'][number]).port : 80;

interface Matched {
  readonly match: HttpMatchView;
  readonly port: number;
}

const invalid = (rule: HttpRuleView, why: string) =>
  Promise.reject(new MeshError('ROUTE_BACKEND_INVALID', `route ${rule.route}: ${why}`));

const editResponse = (res: MeshResponse, edits: readonly HeaderEditView[]): MeshResponse =>
  edits.length === 0 ? res : { ...res, headers: edits.reduce((h, e) => editHeaders(h, e), res.headers) };

/** Request bodies up to this size are copied to a mirror; larger ones are not mirrored. */
export const MAX_MIRROR_BODY_BYTES = 64 * 1024;

/** How long a mirrored request may take before it is abandoned (it never delays the caller). */
const MIRROR_TIMEOUT_MS = 30_000;

/**
 * Fire and forget: a copy goes to the mirror's backend chain; its answer and failure are dropped.
 * A body is teed as the real request sends it (up to MAX_MIRROR_BODY_BYTES) and the copy follows
 * once the real request has sent all of it. Returns the request to send on, whose body is the tee.
 */
const mirror = (
  req: MeshRequest,
  ctx: CallCtx,
  service: ServiceView | undefined,
  toBackend: Handler,
): MeshRequest => {
  if (!service) return req;
  const signal = AbortSignal.timeout(MIRROR_TIMEOUT_MS);
  const mctx: CallCtx = {
    service: ctx.service,
    backend: service,
    tried: new Set(),
    attempt: 0,
    signal,
    notes: [],
    ...(ctx.sourceServiceAccount !== undefined ? { sourceServiceAccount: ctx.sourceServiceAccount } : {}),
  };
  note(req, ctx, `mirror:${service.namespace}/${service.name}`);
  const send = (copy: MeshRequest) => toBackend(copy, mctx).then(discardResponse, () => undefined);
  if (req.body === null) {
    void send(req);
    return req;
  }
  const length = Number(req.headers['content-length']);
  const body = replayableBody(req.body, MAX_MIRROR_BODY_BYTES, Number.isFinite(length) ? length : undefined);
  // Only once the real request has sent the whole body: asking earlier would cut its stream.
  body.first.once('end', () => {
    void body.forReplay(signal).then((copy) => (copy ? send({ ...req, body: copy }) : undefined));
  });
  return { ...req, body: body.first };
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
    readonly mirrorTo: (req: MeshRequest, f: { service: string }) => MeshRequest;
  },
): Applied => {
  let req = start;
  for (const f of filters ?? []) {
    if (f.type === 'RequestHeaderModifier') req = { ...req, headers: editHeaders(req.headers, f.edit) };
    else if (f.type === 'ResponseHeaderModifier') io.responseEdits.push(f.edit);
    else if (f.type === 'URLRewrite') req = rewriteRequest(req, f, m.match);
    else if (f.type === 'RequestRedirect')
      return { res: Promise.resolve(redirectResponse(req, f, m.match, m.port)) };
    else if (f.type === 'RequestMirror') req = io.mirrorTo(req, f);
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
      const port = ctx.servicePort?.port ?? impliedPort(ctx.service);
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
