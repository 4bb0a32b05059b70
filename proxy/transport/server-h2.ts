// Downstream HTTP/2: node:http2's core stream API (not the compat layer: it cannot send a
// trailers-only response, which gRPC errors need, and it adds a request and a response object
// per stream). Per stream: the ServerHttp2Stream (also the request body) and one abort signal
// for the sink; the answer is written with write()/'drain' and its trailers
// are sent as soon as the upstream's arrive.
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
import { writeBodyToH2 } from './h2-body.ts';
import { H2_CONNECTION_WINDOW, H2_SETTINGS } from './h2-settings.ts';
import { endToEndHeaders } from './headers.ts';

const { NGHTTP2_INTERNAL_ERROR } = constants;

export const fromH2Stream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): MeshRequest => ({
  protocol: 'h2',
  method: headers[':method'] ?? 'GET',
  authority: headers[':authority'] ?? headers.host ?? '',
  path: headers[':path'] ?? '/',
  headers: endToEndHeaders(headers),
  body: stream.endAfterHeaders ? null : stream,
});

const resetStream = (stream: ServerHttp2Stream): void => {
  if (!stream.closed && !stream.destroyed) stream.close(NGHTTP2_INTERNAL_ERROR);
};

// Trailers go out when the body has ended ('wantTrailers') and the upstream's have arrived; an
// upstream that failed instead resets the stream, so the caller never mistakes a cut answer for
// a whole one.
const sendTrailersWhenAsked = (
  stream: ServerHttp2Stream,
  trailers: NonNullable<MeshResponse['trailers']>,
): void => {
  stream.once('wantTrailers', () => {
    trailers.then(
      (t) => {
        if (!stream.destroyed) stream.sendTrailers(t ?? {});
      },
      () => resetStream(stream),
    );
  });
};

export const writeH2Response = (stream: ServerHttp2Stream, answer: MeshResponse): void => {
  if (stream.destroyed || stream.closed) {
    discardBody(answer);
    return;
  }
  const headers = { ...answer.headers, ':status': answer.status };
  const body = answer.body;
  if (!body) {
    // Trailers-only when the headers carry grpc-status: one HEADERS frame with END_STREAM.
    stream.respond(headers, { endStream: true });
    return;
  }
  const trailers = answer.trailers;
  stream.respond(headers, { waitForTrailers: trailers !== undefined });
  if (trailers !== undefined) sendTrailersWhenAsked(stream, trailers);
  writeBodyToH2(body, stream, true, (err) => {
    if (err) resetStream(stream);
  });
};

export const h2Server = (sink: RequestSink, logger: Logger): Http2Server => {
  const server = createServer({ settings: H2_SETTINGS });
  server.on('session', (session) => {
    session.once('connect', () => session.setLocalWindowSize(H2_CONNECTION_WINDOW));
    session.on('error', (err) => logger.debug({ err }, 'downstream h2 session error'));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const caller = new AbortController();
    const abort = (): void => caller.abort();
    stream.once('aborted', abort);
    stream.on('error', abort);
    sink(fromH2Stream(stream, headers), connectionOf(stream.session?.socket), caller.signal).then(
      (answer) => writeH2Response(stream, answer),
      (err: unknown) => {
        logger.error({ err }, 'request sink threw instead of answering');
        resetStream(stream);
      },
    );
  });
  return server;
};
