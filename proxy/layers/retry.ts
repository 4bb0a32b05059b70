// Retries (inside fault, outside split/balancer): re-sends a failed try to another endpoint when
// classify() allows, within the attempt count, the retry budget and the breaker's maxRetries.
import type { RetryPolicyView } from '../../api/model/policy.ts';
import { endpointKey } from '../stack/endpoint-health.ts';
import { isMeshError, MeshError } from '../stack/errors.ts';
import type { CallCtx, Handler, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { backoffDelay, sleep } from './backoff.ts';
import { discardResponse } from './body-done.ts';
import { replayableBody, type ReplayableBody } from './body-replay.ts';
import { leaseOf, type Lease } from './lease.ts';
import { note, type PolicyDeps } from './policy-deps.ts';
import { classify, requestTraits, type RequestTraits, type TryResult } from './retry-classify.ts';
import { retryBudget, type RetryBudget } from './retry-budget.ts';

/** The circuit breaker's retry counter (concurrency-limit.ts implements it). */
export interface RetryGate {
  /** One retry in flight, given back through the lease; undefined when maxRetries are in flight. */
  tryAcquireRetry(): Lease | undefined;
}

export interface RetryDeps extends PolicyDeps {
  readonly retryGate?: RetryGate;
  /** A budget kept by the caller, so it outlives this layer (config changes rebuild layers). */
  readonly budget?: RetryBudget;
}

export const DEFAULT_MAX_REPLAY_BYTES = 64 * 1024;

type Settled =
  { readonly ok: true; readonly res: MeshResponse } | { readonly ok: false; readonly error: unknown };

const settle = (p: Promise<MeshResponse>): Promise<Settled> =>
  p.then(
    (res) => ({ ok: true, res }),
    (error: unknown) => ({ ok: false, error }),
  );

const tryResult = (s: Settled): TryResult =>
  s.ok
    ? { kind: 'response', status: s.res.status, headers: s.res.headers }
    : { kind: 'error', code: isMeshError(s.error) ? s.error.code : undefined };

/** A handler that throws instead of returning a promise fails like one that rejects. */
const send = (next: Handler, req: MeshRequest, ctx: CallCtx): Promise<MeshResponse> => {
  try {
    return next(req, ctx);
  } catch (e) {
    return Promise.reject(e);
  }
};

/** Stands in for the breaker's lease when there is no breaker: nothing to give back. */
const NO_GATE: Lease = leaseOf(() => undefined);

const deliver = (s: Settled): MeshResponse => {
  if (s.ok) return s.res;
  throw s.error;
};

const describe = (s: Settled): string =>
  s.ok ? String(s.res.status) : isMeshError(s.error) ? s.error.code : 'error';

const declaredLength = (req: MeshRequest): number | undefined => {
  const v = req.headers['content-length'];
  const n = typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

interface Call {
  readonly req: MeshRequest;
  readonly ctx: CallCtx;
  readonly traits: RequestTraits;
  readonly body: ReplayableBody | undefined;
}

export const retryLayer = (view: RetryPolicyView, deps: RetryDeps): Layer => {
  if (view.attempts < 1) return (next) => next;
  const budget: RetryBudget = deps.budget ?? retryBudget(view.budget, deps.clock);
  const maxReplay = view.maxReplayBytes ?? DEFAULT_MAX_REPLAY_BYTES;

  const skip = (call: Call, why: string): undefined => {
    note(call.req, call.ctx, `retry:skipped:${why}`);
    return undefined;
  };

  /**
   * Whether this outcome gets another try: the breaker's retry unit (a lease) when it does, taken
   * with a budget unit. The cheap checks come first and nothing here touches the response, so a
   * refused retry returns it intact.
   */
  const admit = (call: Call, outcome: Settled, attempt: number): Lease | undefined => {
    const { ctx } = call;
    if (classify(tryResult(outcome), view, call.traits) !== 'retryable') return undefined;
    if (attempt >= view.attempts || ctx.signal.aborted) return undefined;
    if (call.body && !call.body.replayable()) return skip(call, `body-over-${maxReplay}-bytes`);
    const unit = deps.retryGate ? deps.retryGate.tryAcquireRetry() : NO_GATE;
    if (!unit) return skip(call, 'circuit-max-retries');
    if (budget.tryWithdraw()) return unit;
    unit();
    deps.metrics?.retryBudgetExhausted();
    deps.logger?.debug({ service: ctx.service.name, attempt }, 'retry budget exhausted');
    return skip(call, 'budget-exhausted');
  };

  /** The request for the next try; undefined when the rest of the body outgrew the limit. */
  const nextRequest = async (call: Call): Promise<MeshRequest | undefined> => {
    if (!call.body) return call.req;
    const body = await call.body.forReplay(call.ctx.signal);
    if (body) return { ...call.req, body };
    skip(call, `body-over-${maxReplay}-bytes`); // the budget unit stays spent: this is rare and bounded
    return undefined;
  };

  const backoff = async (call: Call, retry: number): Promise<void> => {
    try {
      await sleep(deps.clock, backoffDelay(retry, view.backoff, deps.random), call.ctx.signal);
    } catch (e) {
      throw isMeshError(e)
        ? e
        : new MeshError('INTERNAL', 'request cancelled during retry back-off', { cause: e });
    }
  };

  return (next) => (req, ctx) =>
    // An Upgrade's body is a live byte stream (WebSocket frames): nothing to buffer or replay.
    req.upgrade !== undefined ? next(req, ctx) : firstTry(next, req, ctx);

  // Most requests succeed at the first try: that path is plain callbacks, and only a try that
  // is admitted for a retry enters the async loop below.
  function firstTry(next: Handler, req: MeshRequest, ctx: CallCtx): Promise<MeshResponse> {
    budget.recordRequest();
    const body = req.body ? replayableBody(req.body, maxReplay, declaredLength(req)) : undefined;
    const call: Call = { req, ctx, traits: requestTraits(req), body };
    ctx.attempt = 0;
    return send(next, body ? { ...req, body: body.first } : req, ctx).then(
      (res) => afterTry(next, call, { ok: true, res }, 0),
      (error: unknown) => afterTry(next, call, { ok: false, error }, 0),
    );
  }

  function afterTry(
    next: Handler,
    call: Call,
    outcome: Settled,
    attempt: number,
  ): MeshResponse | Promise<MeshResponse> {
    if (call.ctx.endpoint) call.ctx.tried.add(endpointKey(call.ctx.endpoint));
    const unit = admit(call, outcome, attempt);
    return unit ? retryAfter(next, call, { outcome, unit }, attempt) : deliver(outcome);
  }

  /**
   * Try `attempt` ended with an outcome admitted for another try, holding `unit`. Each retry holds
   * its unit until its try settles; whatever ends the loop (a refused retry, an abort, a replay
   * that failed, a throwing handler) gives the held unit back in `finally`.
   */
  async function retryAfter(
    next: Handler,
    call: Call,
    admitted: { readonly outcome: Settled; readonly unit: Lease },
    attempt: number,
  ): Promise<MeshResponse> {
    const { req, ctx } = call;
    let { outcome, unit } = admitted;
    try {
      for (let retry = attempt + 1; ; retry++) {
        const again = await nextRequest(call);
        if (!again) return deliver(outcome);
        if (outcome.ok) discardResponse(outcome.res);
        note(req, ctx, `retry:${retry}:${describe(outcome)}`);
        deps.logger?.debug({ service: ctx.service.name, retry, after: describe(outcome) }, 'retrying');
        await backoff(call, retry - 1);
        deps.metrics?.retry();
        ctx.attempt = retry;
        outcome = await settle(send(next, again, ctx));
        unit();
        if (ctx.endpoint) ctx.tried.add(endpointKey(ctx.endpoint));
        const more = admit(call, outcome, retry);
        if (!more) return deliver(outcome);
        unit = more;
      }
    } finally {
      unit();
    }
  }
};
