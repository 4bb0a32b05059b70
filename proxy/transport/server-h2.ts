// Adapts node:http2's core stream API (not the compat layer: it cannot send a trailers-only
// response, which gRPC errors need) to MeshRequest/MeshResponse.
import {
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Logger } from 'pino';
import type { MeshRequest, MeshResponse } from '../stack/types.ts';
import { connectionOf, type RequestSink } from './connection.ts';
import { discardBody } from '../stack/discard.ts';
import { H2_CONNECTION_WINDOW, H2_SETTINGS } from './h2-settings.ts';
import { pumpResponse } from './forward-body.ts';
import { endToEndHeaders } from './headers.ts';

export const fromH2Stream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): MeshRequest => ({
  protocol: 'h2',
  method: headers[':method'] ?? 'GET',
  authority: headers[':authority'] ?? headers.host ?? '',
  path: headers[':path'] ?? '/',
  headers: endToEndHeaders(headers),
  body: stream.endAfterHeaders ? null : stream,
});

const sendTrailersWhenAsked = (stream: ServerHttp2Stream, trailers: MeshResponse['trailers']): void => {
  stream.once('wantTrailers', () => {
    void trailers?.then(
      (t) => {
        if (!stream.destroyed) stream.sendTrailers(t ?? {});
      },
      () => stream.close(constants.NGHTTP2_INTERNAL_ERROR),
    );
  });
};

export const writeH2Response = (stream: ServerHttp2Stream, answer: MeshResponse): void => {
  if (stream.destroyed || stream.closed) {
    discardBody(answer);
    return;
  }
  const headers = { ...answer.headers, ':status': answer.status };
  if (!answer.body) {
    // Trailers-only when the headers carry grpc-status: one HEADERS frame with END_STREAM.
    stream.respond(headers, { endStream: true });
    return;
  }
  const withTrailers = answer.trailers !== undefined;
  stream.respond(headers, { waitForTrailers: withTrailers });
  if (withTrailers) sendTrailersWhenAsked(stream, answer.trailers);
  pumpResponse(answer.body, stream);
};

export const h2Server = (sink: RequestSink, logger: Logger): Http2Server => {
  const server = createServer({ settings: H2_SETTINGS });
  server.on('session', (session) => {
    session.once('connect', () => session.setLocalWindowSize(H2_CONNECTION_WINDOW));
    session.on('error', (err) => logger.debug({ err }, 'downstream h2 session error'));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const caller = new AbortController();
    stream.once('aborted', () => caller.abort());
    stream.on('error', () => caller.abort());
    sink(fromH2Stream(stream, headers), connectionOf(stream.session?.socket), caller.signal).then(
      (answer) => writeH2Response(stream, answer),
      (err: unknown) => {
        logger.error({ err }, 'request sink threw instead of answering');
        stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      },
    );
  });
  return server;
};
