// What every traffic-policy layer (timeout, retry, fault, breakers) is given besides its view:
// injected time and randomness, optional counters and logger, and the x-weft-debug notes helper.
import type { Logger } from 'pino';
import type { Clock, Random } from '../../api/runtime/clock.ts';
import type { CallCtx, MeshRequest } from '../stack/types.ts';
import type { PolicyMetrics } from './policy-metrics.ts';

export interface PolicyDeps {
  readonly clock: Clock;
  readonly random: Random;
  /** Counters already bound to one service (see policyMetrics(registry).forService). */
  readonly metrics?: PolicyMetrics;
  /** A child logger; layers log state changes at info and per-request decisions at debug. */
  readonly logger?: Logger;
}

/** Requests carrying this header get the layers' decisions in ctx.notes (emitted by error-response). */
export const DEBUG_HEADER = 'x-weft-debug';

export const isDebug = (req: MeshRequest): boolean => {
  const v = req.headers[DEBUG_HEADER];
  return v === '1' || (Array.isArray(v) && v.includes('1'));
};

/** Records a decision such as "retry:1:503" when the request asked for debugging or is traced/logged. */
export const note = (req: MeshRequest, ctx: CallCtx, decision: string): void => {
  if (ctx.keepNotes === true || isDebug(req)) ctx.notes.push(decision);
};
