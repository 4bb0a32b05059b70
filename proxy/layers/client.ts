// The innermost handler: sends the request to ctx.endpoint through the pooled transport
// (HTTP/1.1 keep-alive or one HTTP/2 session per endpoint, mTLS when configured).
import type { ConnectionView } from '../../api/model/policy.ts';
import { MeshError } from '../stack/errors.ts';
import type { Handler } from '../stack/types.ts';
import type { Transport } from '../transport/upstream.ts';

/** What the client needs from a transport (proxy/transport/upstream.ts implements it). */
export type HopSender = Pick<Transport, 'send'>;

export const clientHandler =
  (transport: HopSender, connection?: ConnectionView): Handler =>
  (req, ctx) =>
    ctx.endpoint
      ? transport.send(req, ctx.endpoint, ctx.signal, connection)
      : Promise.reject(new MeshError('INTERNAL', 'no endpoint was chosen before the client'));
