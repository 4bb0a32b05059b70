// Where inbound requests enter: the CallCtx carries the peer's verified identity (read once per
// connection by the listener) and the app as the endpoint. Requests not from a peer sidecar lose
// their sidecar-only headers here.
import type { Endpoint } from '../../api/model/snapshot.ts';
import { serviceAccountKeyOf } from '../../api/model/spiffe.ts';
import type { RequestSink } from '../transport/connection.ts';
import type { InboundStack } from './stack.ts';
import { withoutSidecarHeaders } from './strip-sidecar-headers.ts';

export const inboundSink =
  (active: () => InboundStack, app: Endpoint): RequestSink =>
  (req, conn, signal) => {
    const { handler, local } = active();
    const id = conn.peerIdentity;
    return handler(conn.tls ? req : withoutSidecarHeaders(req), {
      service: local,
      endpoint: app,
      tried: new Set(),
      attempt: 0,
      signal,
      sourceIdentity: id,
      sourceServiceAccount:
        conn.peerServiceAccount ?? (id === undefined ? undefined : serviceAccountKeyOf(id)),
      notes: [],
    });
  };
