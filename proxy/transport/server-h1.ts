// Adapts node:http's server side to MeshRequest/MeshResponse. The http.Server never listens:
// the listener hands it connections it has already classified as HTTP/1.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { MeshRequest, MeshResponse } from '../stack/types.ts';
import { connectionOf, type RequestSink } from './connection.ts';
import { discardBody } from './discard.ts';
import { pumpResponse } from './forward-body.ts';
import { endToEndHeaders, toH1Headers } from './headers.ts';

const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

export const fromH1Request = (req: IncomingMessage): MeshRequest => ({
  protocol: 'http1',
  method: req.method ?? 'GET',
  authority: req.headers.host ?? '',
  path: req.url ?? '/',
  headers: endToEndHeaders(req.headers),
  body: hasBody(req) ? req : null,
});

export const writeH1Response = (res: ServerResponse, answer: MeshResponse): void => {
  if (res.destroyed) {
    discardBody(answer);
    return;
  }
  res.writeHead(answer.status, toH1Headers(answer.headers));
  if (!answer.body) {
    res.end();
    return;
  }
  // HTTP/1.1 trailers are not forwarded (gRPC, their one real user, always runs over h2).
  pumpResponse(answer.body, res);
};

export const h1Server = (sink: RequestSink, logger: Logger): Server => {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const caller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) caller.abort();
    });
    try {
      writeH1Response(res, await sink(fromH1Request(req), connectionOf(req.socket), caller.signal));
    } catch (err) {
      logger.error({ err }, 'request sink threw instead of answering');
      res.destroy();
    }
  };
  // Bodies may stream for a long time: no whole-request deadline here (policy layers own timeouts).
  const server = createServer(
    { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 60_000 },
    (req, res) => void serve(req, res),
  );
  // The server never listens itself (the listener feeds it sockets), but node:http only tracks
  // connections (closeIdleConnections, header timeouts) once it has seen 'listening'.
  server.emit('listening');
  return server;
};
