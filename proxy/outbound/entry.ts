// Where outbound requests enter the stack: a fresh CallCtx per request, run through whichever
// handler is active when the request arrives (snapshot swaps do not touch requests in flight).
import type { RequestSink } from '../transport/connection.ts';
import { UNRESOLVED } from '../layers/route-match.ts';
import type { Handler } from '../stack/types.ts';
import type { DestinationIndex } from '../capture/by-destination.ts';

export interface ActiveHandler {
  readonly handler: Handler;
  /** `namespace/serviceAccount` of this workload: the caller, as fault `sources` see it. */
  readonly sourceServiceAccount?: string;
  /** clusterIP:port → service of the same snapshot as `handler` (outbound capture). */
  readonly destinations?: DestinationIndex;
}

export const outboundSink =
  (active: () => ActiveHandler): RequestSink =>
  (req, conn, signal) => {
    const { handler, sourceServiceAccount, destinations } = active();
    const dst = conn.originalDst;
    // Looked up per request: a keep-alive connection outlives snapshots.
    const destination = dst && destinations?.lookup(dst.address, dst.port);
    return handler(req, {
      ...(destination ? { destination } : {}),
      service: UNRESOLVED,
      tried: new Set(),
      attempt: 0,
      signal,
      sourceServiceAccount,
      notes: [],
    });
  };
