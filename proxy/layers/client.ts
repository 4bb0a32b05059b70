// The innermost handler: sends the request to ctx.endpoint through the pooled transport
// (HTTP/1.1 keep-alive or one HTTP/2 session per endpoint, mTLS when configured).
import type { Endpoint } from '../../api/model/snapshot.ts';
import { MeshError } from '../stack/errors.ts';
import type { Handler, MeshRequest, MeshResponse } from '../stack/types.ts';

/** What the client needs from a transport (proxy/transport/upstream.ts implements it). */
export interface HopSender {
  send(req: MeshRequest, endpoint: Endpoint, signal: AbortSignal): Promise<MeshResponse>;
}

export const clientHandler =
  (transport: HopSender): Handler =>
  (req, ctx) =>
    ctx.endpoint
      ? transport.send(req, ctx.endpoint, ctx.signal)
      : Promise.reject(new MeshError('INTERNAL', 'no endpoint was chosen before the client'));
