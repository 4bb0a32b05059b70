// Fault injection (outside retry, so injected aborts are not retried away): for matching
// requests, delay by fixedMs and/or answer with an abort, each with its own probability.
import { Readable } from 'node:stream';
import type { FaultView } from '../../api/model/policy.ts';
import { grpcStatusForHttp, httpStatusForGrpc, isGrpc, trailersOnly } from '../stack/grpc.ts';
import type { CallCtx, Layer, MeshRequest, MeshResponse } from '../stack/types.ts';
import { sleep } from './backoff.ts';
import { note, type PolicyDeps } from './policy-deps.ts';
import { compileRouteMatch, type RequestMatcher } from './route-rules.ts';

export interface FaultCounts {
  delayed: number;
  aborted: number;
}

export type FaultLayer = Layer & {
  /** Per FaultInjection name (`namespace/name`): how many requests it delayed and aborted. */
  faultStats(): Readonly<Record<string, Readonly<FaultCounts>>>;
};

export const abortResponse = (req: MeshRequest, fault: FaultView): MeshResponse => {
  const abort = fault.abort ?? { percent: 100 };
  if (isGrpc(req.headers))
    return trailersOnly(
      abort.grpcStatus ?? grpcStatusForHttp(abort.httpStatus ?? 503),
      `fault injected by ${fault.name}`,
      { 'x-weft-fault': 'abort' },
    );
  const text = `fault injected by ${fault.name}\n`;
  return {
    status: abort.httpStatus ?? httpStatusForGrpc(abort.grpcStatus ?? 14),
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'x-weft-fault': 'abort',
    },
    body: Readable.from([Buffer.from(text)], { objectMode: false }),
  };
};

interface Armed {
  readonly fault: FaultView;
  readonly matches: RequestMatcher;
  readonly sources: ReadonlySet<string> | undefined;
  readonly counts: FaultCounts;
}

const applies = (a: Armed, req: MeshRequest, ctx: CallCtx, wallNow: number): boolean =>
  (a.fault.endsAtMs === undefined || wallNow < a.fault.endsAtMs) &&
  (a.sources === undefined ||
    (ctx.sourceServiceAccount !== undefined && a.sources.has(ctx.sourceServiceAccount))) &&
  a.matches(req);

export interface FaultDeps extends PolicyDeps {
  /** Counters kept by the caller per fault, so they outlive this layer (config changes rebuild layers). */
  readonly counts?: (fault: FaultView) => FaultCounts;
}

/** The first fault (in the given order) that is live and matches is the one applied. */
export const faultLayer = (faults: readonly FaultView[], deps: FaultDeps): FaultLayer => {
  const armed: Armed[] = faults.map((fault) => ({
    fault,
    matches: fault.match ? compileRouteMatch(fault.match) : () => true,
    sources: fault.sources ? new Set(fault.sources) : undefined,
    counts: deps.counts?.(fault) ?? { delayed: 0, aborted: 0 },
  }));
  const hit = (percent: number | undefined): boolean =>
    percent !== undefined && deps.random() * 100 < percent;

  const layer: Layer = (next) => async (req, ctx) => {
    const now = deps.clock.wallNow();
    const a = armed.find((x) => applies(x, req, ctx, now));
    if (!a) return next(req, ctx);
    const { fault, counts } = a;
    // Both draws are taken for every matching request, so one decision never shifts the other.
    const delay = hit(fault.delay?.percent);
    const abort = hit(fault.abort?.percent);
    if (delay && fault.delay) {
      counts.delayed++;
      deps.metrics?.faultInjected(fault.name, 'delay');
      note(req, ctx, `fault:delay:${fault.name}:${fault.delay.fixedMs}ms`);
      await sleep(deps.clock, fault.delay.fixedMs, ctx.signal);
    }
    if (!abort) return next(req, ctx);
    counts.aborted++;
    deps.logger?.debug({ fault: fault.name, path: req.path }, 'fault abort injected');
    deps.metrics?.faultInjected(fault.name, 'abort');
    note(req, ctx, `fault:abort:${fault.name}`);
    return abortResponse(req, fault);
  };
  const faultStats = (): Record<string, FaultCounts> =>
    Object.fromEntries(armed.map((a) => [a.fault.name, { ...a.counts }]));
  return Object.assign(layer, { faultStats });
};
