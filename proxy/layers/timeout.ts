// Request timeout (outside retries): the whole exchange, response body included, must finish in
// timeoutMs or the inner call is aborted through a child AbortSignal and REQUEST_TIMEOUT is raised.
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';
import { MeshError } from '../stack/errors.ts';
import type { CallCtx, Handler, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { discardResponse, whenBodyDone } from './body-done.ts';
import { note, type PolicyDeps } from './policy-deps.ts';

export interface DeadlineOptions {
  readonly ms: number;
  readonly clock: Clock;
  readonly error: () => MeshError;
  /** true: the deadline also covers streaming the response body; false: it stops at headers. */
  readonly coverBody: boolean;
}

/**
 * The inner call runs on a copy of ctx (its own signal); what layers below decided for the request
 * (backend, endpoint, route, ...) is copied back so outer layers (metrics, logs) see it.
 */
const adoptDecisions = (outer: CallCtx, inner: CallCtx): void => {
  outer.backend = inner.backend;
  outer.endpoint = inner.endpoint;
  outer.attempt = inner.attempt;
  outer.servicePort = inner.servicePort;
  if (inner.route !== undefined) outer.route = inner.route;
};

/**
 * Calls next with ctx.signal replaced by a child signal that aborts when the caller's does or
 * when the deadline passes. A deadline after headers destroys the body with the error.
 */
export const withDeadline = (
  next: Handler,
  req: MeshRequest,
  ctx: CallCtx,
  opts: DeadlineOptions,
): Promise<MeshResponse> => {
  const child = new AbortController();
  const parent = ctx.signal;
  const onParentAbort = (): void => child.abort(parent.reason);
  if (parent.aborted) child.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  let timer: TimerHandle | undefined;
  const cleanup = (): void => {
    if (timer) opts.clock.clearTimeout(timer);
    timer = undefined;
    parent.removeEventListener('abort', onParentAbort);
  };
  return new Promise<MeshResponse>((resolve, reject) => {
    let response: MeshResponse | undefined;
    timer = opts.clock.setTimeout(() => {
      timer = undefined;
      cleanup();
      const e = opts.error();
      child.abort(e);
      if (response) response.body?.destroy(e);
      else reject(e);
    }, opts.ms);
    timer.unref?.();
    let inner: Promise<MeshResponse>;
    const innerCtx: CallCtx = { ...ctx, signal: child.signal };
    try {
      inner = next(req, innerCtx);
    } catch (e) {
      inner = Promise.reject(e); // a handler that throws instead of rejecting must not leak the timer
    }
    inner.then(
      (res) => {
        adoptDecisions(ctx, innerCtx);
        // The deadline already answered: nobody will read this late response.
        if (child.signal.aborted && timer === undefined) return discardResponse(res);
        if (!opts.coverBody) cleanup();
        else whenBodyDone(res, cleanup);
        response = res;
        resolve(res);
      },
      (e: unknown) => {
        adoptDecisions(ctx, innerCtx);
        cleanup();
        reject(e);
      },
    );
  });
};

/** A layer that runs every call under withDeadline; the error is built when the deadline passes. */
export const deadlineLayer =
  (
    ms: number,
    deps: Pick<PolicyDeps, 'clock'>,
    coverBody: boolean,
    error: (req: MeshRequest, ctx: CallCtx) => MeshError,
  ): Layer =>
  (next) =>
  (req, ctx) =>
    withDeadline(next, req, ctx, { ms, clock: deps.clock, coverBody, error: () => error(req, ctx) });

/** Overall request timeout; sits outside fault and retry so it bounds every try and back-off. */
export const timeoutLayer = (rules: { readonly timeoutMs: number }, deps: Pick<PolicyDeps, 'clock'>): Layer =>
  deadlineLayer(rules.timeoutMs, deps, true, (req, ctx) => {
    note(req, ctx, `timeout:request:${rules.timeoutMs}ms`);
    return new MeshError('REQUEST_TIMEOUT', `no complete response within ${rules.timeoutMs} ms`);
  });
