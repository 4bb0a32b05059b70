// Where outbound requests enter the stack: a fresh CallCtx per request, run through whichever
// handler is active when the request arrives (snapshot swaps do not touch requests in flight).
import type { RequestSink } from '../transport/connection.ts';
import { UNRESOLVED } from '../layers/route-match.ts';
import type { Handler } from '../stack/types.ts';

export interface ActiveHandler {
  readonly handler: Handler;
  /** `namespace/serviceAccount` of this workload: the caller, as fault `sources` see it. */
  readonly sourceServiceAccount?: string;
}

export const outboundSink =
  (active: () => ActiveHandler): RequestSink =>
  (req, _conn, signal) => {
    const { handler, sourceServiceAccount } = active();
    return handler(req, {
      service: UNRESOLVED,
      tried: new Set(),
      attempt: 0,
      signal,
      sourceServiceAccount,
      notes: [],
    });
  };
