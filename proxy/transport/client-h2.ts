// Sends one MeshRequest as a stream on a shared HTTP/2 session (one per endpoint), with
// backpressure both ways; trailers (gRPC's grpc-status) come back through MeshResponse.trailers.
import {
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { MeshRequest, MeshResponse } from '../stack/types.ts';
import { forwardBody } from './forward-body.ts';
import { endToEndHeaders } from './headers.ts';
import { toMeshError } from './upstream-errors.ts';

export interface H2Conn {
  readonly session: ClientHttp2Session;
  readonly scheme: 'http' | 'https';
  /** Label for errors and logs: address:port. */
  readonly label: string;
  connected(): boolean;
}

const trailersOf = (stream: ClientHttp2Stream): Promise<IncomingHttpHeaders | undefined> =>
  new Promise((resolve) => {
    stream.once('trailers', (t: IncomingHttpHeaders) => resolve(endToEndHeaders(t)));
    stream.once('close', () => resolve(undefined));
  });

export const sendH2 = (conn: H2Conn, req: MeshRequest, signal: AbortSignal): Promise<MeshResponse> =>
  new Promise((resolve, reject) => {
    const fail = (err: unknown, rstCode?: number): void =>
      reject(toMeshError({ err, connected: conn.connected(), rstCode }, conn.label));
    let stream: ClientHttp2Stream;
    try {
      stream = conn.session.request(
        {
          ...req.headers,
          ':method': req.method,
          ':path': req.path,
          ':authority': req.authority,
          ':scheme': conn.scheme,
        },
        { endStream: req.body === null, signal },
      );
    } catch (err) {
      fail(err); // the session is closing (GOAWAY) or gone: nothing was sent
      return;
    }
    let answered = false;
    const trailers = trailersOf(stream);
    stream.once('response', (headers: IncomingHttpHeaders, flags: number) => {
      answered = true;
      const trailersOnly = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      if (trailersOnly) stream.resume();
      resolve({
        status: Number(headers[':status'] ?? 502),
        headers: endToEndHeaders(headers),
        body: trailersOnly ? null : stream,
        trailers: trailersOnly ? undefined : trailers,
      });
    });
    stream.on('error', (err) => {
      if (!answered) fail(err, stream.rstCode);
    });
    stream.once('close', () => {
      if (!answered) fail(undefined, stream.rstCode);
    });
    if (req.body) forwardBody(req.body, stream);
  });
