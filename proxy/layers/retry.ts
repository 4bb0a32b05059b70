// Retries (inside fault, outside split/balancer): re-sends a failed try to another endpoint when
// classify() allows, within the attempt count, the retry budget and the breaker's maxRetries.
import type { RetryPolicyView } from '../../api/model/policy.ts';
import { endpointKey } from '../stack/endpoint-health.ts';
import { isMeshError, MeshError } from '../stack/errors.ts';
import type { CallCtx, Handler, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { backoffDelay, sleep } from './backoff.ts';
import { discardResponse } from './body-done.ts';
import { replayableBody, type ReplayableBody } from './body-replay.ts';
import { note, type PolicyDeps } from './policy-deps.ts';
import { classify, requestTraits, type RequestTraits, type TryResult } from './retry-classify.ts';
import { retryBudget, type RetryBudget } from './retry-budget.ts';

/** The circuit breaker's retry counter (concurrency-limit.ts implements it). */
export interface RetryGate {
  tryAcquireRetry(): boolean;
  releaseRetry(): void;
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

  const skip = (call: Call, why: string): false => {
    note(call.req, call.ctx, `retry:skipped:${why}`);
    return false;
  };

  /**
   * Whether this outcome gets another try; takes a retry unit and budget when it does. The cheap
   * checks come first and nothing here touches the response, so a refused retry returns it intact.
   */
  const admit = (call: Call, outcome: Settled, attempt: number): boolean => {
    const { ctx } = call;
    if (classify(tryResult(outcome), view, call.traits) !== 'retryable') return false;
    if (attempt >= view.attempts || ctx.signal.aborted) return false;
    if (call.body && !call.body.replayable()) return skip(call, `body-over-${maxReplay}-bytes`);
    if (deps.retryGate && !deps.retryGate.tryAcquireRetry()) return skip(call, 'circuit-max-retries');
    if (budget.tryWithdraw()) return true;
    deps.retryGate?.releaseRetry();
    deps.metrics?.retryBudgetExhausted();
    deps.logger?.debug({ service: ctx.service.name, attempt }, 'retry budget exhausted');
    return skip(call, 'budget-exhausted');
  };

  /** The request for the next try; undefined when the rest of the body outgrew the limit. */
  const nextRequest = async (call: Call): Promise<MeshRequest | undefined> => {
    if (!call.body) return call.req;
    const body = await call.body.forReplay(call.ctx.signal);
    if (body) return { ...call.req, body };
    deps.retryGate?.releaseRetry(); // the budget unit stays spent: this is rare and bounded
    skip(call, `body-over-${maxReplay}-bytes`);
    return undefined;
  };

  const backoff = async (call: Call, retry: number): Promise<void> => {
    try {
      await sleep(deps.clock, backoffDelay(retry, view.backoff, deps.random), call.ctx.signal);
    } catch (e) {
      deps.retryGate?.releaseRetry();
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
    let first: Promise<MeshResponse>;
    try {
      first = next(body ? { ...req, body: body.first } : req, ctx);
    } catch (e) {
      return Promise.reject(e); // a handler that throws is a failure of this layer, not a try
    }
    return first.then(
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
    return admit(call, outcome, attempt) ? retryAfter(next, call, outcome, attempt) : deliver(outcome);
  }

  /** Try `attempt` ended with `outcome`, which was admitted for another try. */
  async function retryAfter(
    next: Handler,
    call: Call,
    admitted: Settled,
    attempt: number,
  ): Promise<MeshResponse> {
    const { req, ctx } = call;
    let outcome = admitted;
    for (let retry = attempt + 1; ; retry++) {
      const again = await nextRequest(call);
      if (!again) return deliver(outcome);
      if (outcome.ok) discardResponse(outcome.res);
      note(req, ctx, `retry:${retry}:${describe(outcome)}`);
      deps.logger?.debug({ service: ctx.service.name, retry, after: describe(outcome) }, 'retrying');
      await backoff(call, retry - 1);
      deps.metrics?.retry();
      ctx.attempt = retry;
      outcome = await settle(next(again, ctx));
      deps.retryGate?.releaseRetry();
      if (ctx.endpoint) ctx.tried.add(endpointKey(ctx.endpoint));
      if (!admit(call, outcome, retry)) return deliver(outcome);
    }
  }
};
