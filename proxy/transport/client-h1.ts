// Sends one MeshRequest as an HTTP/1.1 request over a pooled keep-alive agent (plaintext or
// mesh mTLS, decided by the agent) and returns the response as soon as its head arrives.
import { request, type Agent, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Endpoint } from '../../api/model/snapshot.ts';
import type { MeshRequest, MeshResponse } from '../stack/types.ts';
import { forwardBody } from './forward-body.ts';
import { endToEndHeaders, toH1Headers } from './headers.ts';
import { toMeshError } from './upstream-errors.ts';

export interface H1Pool {
  readonly agent: Agent;
  /** 'secureConnect' for mTLS agents, 'connect' for plaintext ones. */
  readonly readyEvent: 'connect' | 'secureConnect';
}

const fromH1Response = (res: IncomingMessage): MeshResponse => ({
  status: res.statusCode ?? 502,
  headers: endToEndHeaders(res.headers),
  body: res,
});

const trackConnected = (out: ClientRequest, readyEvent: H1Pool['readyEvent']): (() => boolean) => {
  let connected = false;
  out.once('socket', (socket: Socket) => {
    if (out.reusedSocket) connected = true;
    else socket.once(readyEvent, () => (connected = true));
  });
  return () => connected;
};

export const sendH1 = (
  pool: H1Pool,
  endpoint: Endpoint,
  req: MeshRequest,
  signal: AbortSignal,
  staleRetry = true,
): Promise<MeshResponse> =>
  new Promise((resolve, reject) => {
    const out = request({
      agent: pool.agent,
      host: endpoint.address,
      port: endpoint.port,
      method: req.method,
      path: req.path,
      headers: toH1Headers(req.headers, req.authority),
      signal,
    });
    const connected = trackConnected(out, pool.readyEvent);
    let answered = false;
    out.once('response', (res: IncomingMessage) => {
      answered = true;
      resolve(fromH1Response(res));
    });
    out.on('error', (err) => {
      if (answered) return; // the response body carries the failure from here on
      // A keep-alive connection the server closed while idle fails the first write. Nothing was
      // processed, so one retry on a fresh connection is safe when there is no body to replay.
      if (staleRetry && out.reusedSocket && req.body === null) {
        resolve(sendH1(pool, endpoint, req, signal, false));
        return;
      }
      reject(toMeshError({ err, connected: connected() }, `${endpoint.address}:${endpoint.port}`));
    });
    if (req.body) forwardBody(req.body, out);
    else out.end();
  });
