// One pooled HTTP/1.1 connection to an upstream endpoint (plaintext to the app, or mesh mTLS to a
// peer sidecar), carrying one request at a time: the head is written once, the body streamed
// with backpressure, and the response head parsed by llhttp and handed back as a MeshResponse
// whose body streams the parser's body bytes. The pool takes it back once both directions end.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { MeshBody } from '../../stack/body.ts';
import type { HeaderMap, MeshRequest, MeshResponse } from '../../stack/types.ts';
import { parseHead, requestHead, type Framing, type ParsedHead } from './head.ts';
import {
  newParser,
  isParseError,
  resetParser,
  STOP_AFTER_HEAD,
  type LlhttpParser,
  type RawHeaders,
} from './llhttp.ts';
import { ReadShare } from './read-share.ts';
import { nowTick } from './tick.ts';
import { writeMessage } from './write-message.ts';

export interface ExchangeCallbacks {
  resolve(res: MeshResponse): void;
  /** `stale`: a reused keep-alive connection failed before any response byte: resend elsewhere. */
  reject(err: unknown, connected: boolean, stale: boolean): void;
}

export interface ConnectionOwner {
  /** The connection finished an exchange and may carry another. */
  release(conn: H1UpstreamConnection): void;
  /** The connection closed (whatever state it was in). */
  forget(conn: H1UpstreamConnection): void;
}

interface Exchange {
  readonly req: MeshRequest;
  readonly signal: AbortSignal;
  readonly cb: ExchangeCallbacks;
  readonly isHead: boolean;
  response?: MeshBody | null;
  informational: boolean;
  requestSent: boolean;
  responseDone: boolean;
  keepAlive: boolean;
}

const requestFraming = (req: MeshRequest): Framing => {
  if (req.body === null) return req.headers['content-length'] !== undefined ? 'length' : 'none';
  return req.headers['content-length'] !== undefined ? 'length' : 'chunked';
};

export class H1UpstreamConnection {
  readonly socket: Socket;
  private readonly owner: ConnectionOwner;
  private readonly parser: LlhttpParser;
  private partialHeaders: string[] | undefined;
  private busy: Exchange | undefined;
  private connected = false;
  /** Carried at least one exchange: a failure on it may just be the server's idle close. */
  private reused = false;
  private failure: Error | undefined;
  private bodyPaused = false;
  private readonly share: ReadShare;
  /** The exchange whose 101 turned this connection into a byte tunnel. */
  private tunnel: Exchange | undefined;
  /**
   * Bytes still due of a Content-Length body that weft reads itself: llhttp stops after the head
   * and the body's bytes go to the response as they are (no onBody callback and copy per chunk).
   */
  private bodyRemaining = 0;
  idleSince = nowTick();

  constructor(socket: Socket, readyEvent: 'connect' | 'secureConnect', owner: ConnectionOwner) {
    this.socket = socket;
    this.owner = owner;
    this.parser = newParser('response', {
      onHeaders: this.onHeaders,
      onHeadersComplete: this.onHeadersComplete,
      onBody: this.onBody,
      onMessageComplete: this.onMessageComplete,
    });
    this.share = new ReadShare(socket, () => !this.bodyPaused);
    socket.setNoDelay(true);
    socket.once(readyEvent, this.onReady);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.once('close', this.onClose);
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** The connection was established (TLS done, for mTLS) at some point. */
  get established(): boolean {
    return this.connected;
  }

  /** The socket error that closed it, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Sends `req`; exactly one of the callbacks runs. The connection must be idle. */
  exchange(req: MeshRequest, signal: AbortSignal, cb: ExchangeCallbacks): void {
    const ex: Exchange = {
      req,
      signal,
      cb,
      isHead: req.method === 'HEAD',
      informational: false,
      requestSent: false,
      responseDone: false,
      keepAlive: true,
    };
    this.busy = ex;
    signal.addEventListener('abort', this.onAbort);
    if (req.upgrade !== undefined) {
      // The caller's bytes of the new protocol go upstream only once the server agreed (101).
      const head = requestHead(req.method, req.path, req.authority, req.headers, 'none', req.upgrade);
      // Nothing more is sent unless the answer is 101; any other answer frees (closes) the connection.
      return writeMessage(this.socket, head, null, false, () => (ex.requestSent = true));
    }
    const framing = requestFraming(req);
    writeMessage(
      this.socket,
      requestHead(req.method, req.path, req.authority, req.headers, framing),
      req.body,
      framing === 'chunked',
      (err) => this.sent(ex, err),
    );
  }

  close(): void {
    this.socket.destroy();
  }

  private sent(ex: Exchange, err: Error | undefined): void {
    if (err) return void this.socket.destroy(err); // the request body failed: the message is cut
    ex.requestSent = true;
    this.maybeRelease(ex);
  }

  private readonly onReady = (): void => {
    this.connected = true;
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.busy === undefined) return void this.socket.destroy(); // bytes nobody asked for
    this.share.spend(chunk.length);
    if (this.bodyRemaining > 0) return this.onKnownBody(chunk);
    this.parse(chunk);
  };

  private parse(chunk: Buffer): void {
    const r = this.parser.execute(chunk);
    if (isParseError(r))
      this.socket.destroy(Object.assign(new Error(`bad upstream response: ${r.code}`), { code: r.code }));
    else if (this.tunnel) this.switchToRaw(this.tunnel, chunk.subarray(r));
    else if (this.bodyRemaining > 0 && r < chunk.length) this.onKnownBody(chunk.subarray(r));
  }

  /** Bytes of a Content-Length body; past its end the parser takes over again. */
  private onKnownBody(chunk: Buffer): void {
    const ex = this.busy;
    const body = ex?.response;
    if (!ex || !body) return void this.socket.destroy();
    const take = Math.min(chunk.length, this.bodyRemaining);
    this.bodyRemaining -= take;
    this.feed(body, take === chunk.length ? chunk : chunk.subarray(0, take));
    if (this.bodyRemaining > 0) return;
    resetParser(this.parser, 'response');
    this.completeResponse(ex);
    // One exchange at a time: bytes after the answer's body were never asked for.
    if (take < chunk.length) this.socket.destroy();
  }

  /**
   * The server switched protocols (101): from here the connection is a byte tunnel. The server's
   * bytes feed the response body, the caller's (the request body) are piped upstream; it never
   * returns to the pool.
   */
  private switchToRaw(ex: Exchange, rest: Buffer): void {
    this.socket.off('data', this.onData);
    this.socket.on('data', this.onRawData);
    if (rest.length > 0) this.onRawData(rest);
    const up = ex.req.body;
    if (up)
      writeMessage(this.socket, '', up, false, (err) => (err ? this.socket.destroy(err) : this.socket.end()));
    else this.socket.end();
  }

  private readonly onRawData = (chunk: Buffer): void => {
    this.share.spend(chunk.length);
    const body = this.busy?.response;
    if (body) this.feed(body, chunk);
  };

  private readonly onHeaders = (headers: RawHeaders): void => {
    (this.partialHeaders ??= []).push(...headers);
  };

  private readonly onHeadersComplete = (
    _major: number,
    _minor: number,
    rawHeaders: RawHeaders | undefined,
    _method: number | undefined,
    _url: string | undefined,
    status: number | undefined,
    _statusText: string | undefined,
    _upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    const ex = this.busy;
    if (!ex) return 0;
    const code = status ?? 502;
    const upgrading = code === 101 && ex.req.upgrade !== undefined;
    // 1xx interim answers (100 Continue, 103 Early Hints) are not forwarded; the final one is.
    if (code >= 100 && code < 200 && !upgrading) {
      this.partialHeaders = undefined;
      ex.informational = true;
      return 0;
    }
    const head = parseHead(this.wholeHead(rawHeaders));
    ex.keepAlive = keepAlive && ex.req.upgrade === undefined;
    if (upgrading && head.upgrade !== undefined) return this.switched(ex, head.headers, head.upgrade);
    return this.answer(ex, code, head);
  };

  /** Hands the final answer's head to the caller; returns what llhttp should do about its body. */
  private answer(ex: Exchange, code: number, head: ParsedHead): number {
    const noBody = ex.isHead || code === 204 || code === 304 || head.contentLength === 0;
    const body = noBody ? null : new MeshBody(this.pull);
    ex.response = body;
    // A Content-Length body (llhttp has already refused it next to Transfer-Encoding) is read
    // here rather than through llhttp: see bodyRemaining.
    const known = body !== null && !head.chunked && head.contentLength !== undefined;
    if (known) this.bodyRemaining = head.contentLength as number;
    ex.cb.resolve({ status: code, headers: head.headers, body });
    if (known) return STOP_AFTER_HEAD;
    // HEAD answers announce a length but carry no body: tell llhttp not to wait for one.
    return ex.isHead ? 1 : 0;
  }

  /** Joins what onHeaders collected for a long head with the last part. */
  private wholeHead(rawHeaders: RawHeaders | undefined): RawHeaders {
    const partial = this.partialHeaders;
    if (!partial) return rawHeaders ?? [];
    this.partialHeaders = undefined;
    return rawHeaders ? [...partial, ...rawHeaders] : partial;
  }

  /** A 101 to our Upgrade: the answer's body is the server's side of the new protocol. */
  private switched(ex: Exchange, headers: HeaderMap, upgrade: string): number {
    const body = new MeshBody(this.pull);
    ex.response = body;
    this.tunnel = ex;
    ex.cb.resolve({ status: 101, headers, body, upgrade });
    return 0;
  }

  private readonly onBody = (chunk: Buffer): void => {
    const body = this.busy?.response;
    if (body) this.feed(body, chunk);
  };

  /** Response bytes to the caller; a full body buffer pauses the socket until `pull`. */
  private feed(body: MeshBody, chunk: Buffer): void {
    if (body.push(chunk)) return;
    this.bodyPaused = true;
    this.socket.pause();
  }

  private readonly pull = (): void => {
    if (!this.bodyPaused) return;
    this.bodyPaused = false;
    this.socket.resume();
  };

  private readonly onMessageComplete = (): void => {
    const ex = this.busy;
    // A 101 "message" ends at its head; the tunnel's body goes on until the connection ends.
    // llhttp calls this at once after a head it was told to stop at: the body is still due.
    if (!ex || ex === this.tunnel || this.bodyRemaining > 0) return;
    if (ex.informational) {
      ex.informational = false;
      return;
    }
    this.completeResponse(ex);
  };

  private completeResponse(ex: Exchange): void {
    ex.responseDone = true;
    ex.response?.push(null);
    // The reader will not ask for more of an ended body: un-pause for the next exchange here.
    if (this.bodyPaused) {
      this.bodyPaused = false;
      this.socket.resume();
    }
    this.maybeRelease(ex);
  }

  private maybeRelease(ex: Exchange): void {
    if (!ex.requestSent || !ex.responseDone || this.busy !== ex) return;
    this.busy = undefined;
    ex.signal.removeEventListener('abort', this.onAbort);
    this.reused = true;
    if (!ex.keepAlive || this.socket.destroyed) return void this.socket.destroy();
    this.idleSince = nowTick();
    this.owner.release(this);
  }

  private readonly onAbort = (): void => {
    const ex = this.busy;
    if (!ex) return;
    const reason = ex.signal.reason as unknown;
    // A reset tells a plaintext peer the request is abandoned (a FIN could be a half-close, which
    // peers answer); over mTLS the peer sidecar reads any close as abandonment.
    if (this.socket instanceof TLSSocket) this.socket.destroy();
    else this.socket.resetAndDestroy();
    if (ex.response === undefined) {
      this.busy = undefined;
      ex.cb.reject(reason, this.connected, false);
    }
  };

  // A body delimited by the connection's end (no Content-Length, not chunked) ends here.
  private readonly onEnd = (): void => {
    if (this.tunnel) {
      // The server's half-close ends its direction; ours ends when the caller's body does.
      this.tunnel.response?.push(null);
      this.tunnel.responseDone = true;
      return;
    }
    if (this.busy?.response !== undefined) this.parser.finish();
    this.socket.destroy();
  };

  private readonly onError = (err: Error): void => {
    this.failure = err;
  };

  private readonly onClose = (): void => {
    this.parser.close();
    this.owner.forget(this);
    const ex = this.busy;
    this.busy = undefined;
    if (!ex) return;
    ex.signal.removeEventListener('abort', this.onAbort);
    const err =
      this.failure ?? Object.assign(new Error('upstream connection closed'), { code: 'ECONNRESET' });
    if (ex.response === undefined) {
      // Nothing came back: on a reused connection that is the server's idle close racing us.
      const stale = this.reused && ex.req.body === null;
      ex.cb.reject(err, this.connected, stale);
    } else if (!ex.responseDone) ex.response?.destroy(err);
  };
}
