// Sends one MeshRequest as a stream on a pooled HTTP/2 session (h2-session-pool.ts), with flow
// control both ways: the request body is written with write()/'drain', the response body is the
// stream itself, paused by whoever reads it when its own target is full. Trailers (gRPC's grpc-status) come
// back through MeshResponse.trailers as soon as they arrive. One H2Call object per stream holds
// the state the events need, instead of a closure per event.
import {
  constants,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { HeaderMap, MeshRequest, MeshResponse } from '../stack/types.ts';
import { writeBodyToH2 } from './h2-body.ts';
import type { H2Conn } from './h2-session-pool.ts';
import { endToEndHeaders } from './headers.ts';
import { toMeshError } from './upstream-errors.ts';

export type { H2Conn } from './h2-session-pool.ts';

const { NGHTTP2_FLAG_END_STREAM, NGHTTP2_CANCEL } = constants;

type Settle<T> = (value: T) => void;

class H2Call {
  private readonly conn: H2Conn;
  private readonly stream: ClientHttp2Stream;
  private readonly signal: AbortSignal;
  private readonly resolve: Settle<MeshResponse>;
  private readonly reject: Settle<unknown>;
  private answered = false;
  private resolveTrailers: Settle<HeaderMap | undefined> | undefined;

  constructor(
    conn: H2Conn,
    stream: ClientHttp2Stream,
    signal: AbortSignal,
    resolve: Settle<MeshResponse>,
    reject: Settle<unknown>,
  ) {
    this.conn = conn;
    this.stream = stream;
    this.signal = signal;
    this.resolve = resolve;
    this.reject = reject;
    conn.active++;
    stream.once('response', this.onResponse);
    stream.on('error', this.onError);
    stream.once('close', this.onClose);
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onResponse = (headers: IncomingHttpHeaders, flags: number): void => {
    this.answered = true;
    const status = Number(headers[':status'] ?? 502);
    if ((flags & NGHTTP2_FLAG_END_STREAM) !== 0) {
      // Trailers-only (or a bodiless answer): grpc-status is in these headers.
      this.stream.resume();
      this.resolve({ status, headers: endToEndHeaders(headers), body: null });
      return;
    }
    this.stream.once('trailers', this.onTrailers);
    this.resolve({
      status,
      headers: endToEndHeaders(headers),
      body: this.stream,
      trailers: new Promise((r) => (this.resolveTrailers = r)),
    });
  };

  private readonly onTrailers = (trailers: IncomingHttpHeaders): void => {
    this.resolveTrailers?.(endToEndHeaders(trailers));
    this.resolveTrailers = undefined;
  };

  private readonly onError = (err: unknown): void => {
    if (!this.answered) this.fail(err);
  };

  private readonly onClose = (): void => {
    this.conn.active--;
    this.signal.removeEventListener('abort', this.onAbort);
    // A body that ended without trailers (or was cut): the answer has none.
    this.resolveTrailers?.(undefined);
    this.resolveTrailers = undefined;
    if (!this.answered) this.fail(undefined);
  };

  private readonly onAbort = (): void => {
    // The caller left or its deadline passed: the try fails with that reason, the stream is freed.
    if (!this.answered) this.fail(this.signal.reason);
    if (!this.stream.closed && !this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
  };

  private fail(err: unknown): void {
    this.answered = true;
    const { conn } = this;
    this.reject(toMeshError({ err, connected: conn.connected(), rstCode: this.stream.rstCode }, conn.label));
  }

  writeBody(body: MeshRequest['body']): void {
    if (body === null) return;
    writeBodyToH2(body, this.stream, false, (err) => {
      // The caller's body failed: the upstream must not take a cut request for a whole one.
      if (err && !this.stream.closed && !this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
    });
  }
}

const requestHeaders = (req: MeshRequest, scheme: string): OutgoingHttpHeaders => ({
  ...req.headers,
  ':method': req.method,
  ':path': req.path,
  ':authority': req.authority,
  ':scheme': scheme,
});

export const sendH2 = (conn: H2Conn, req: MeshRequest, signal: AbortSignal): Promise<MeshResponse> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(toMeshError({ err: signal.reason, connected: conn.connected() }, conn.label));
      return;
    }
    let stream: ClientHttp2Stream;
    try {
      stream = conn.session.request(requestHeaders(req, conn.scheme), { endStream: req.body === null });
    } catch (err) {
      // the session is closing (GOAWAY) or gone: nothing was sent
      reject(toMeshError({ err, connected: conn.connected() }, conn.label));
      return;
    }
    new H2Call(conn, stream, signal, resolve, reject).writeBody(req.body);
  });
