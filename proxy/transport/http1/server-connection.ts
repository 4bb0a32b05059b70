// One downstream HTTP/1.1 connection: llhttp parses each request head once, the request goes to
// the sink as a MeshRequest whose body streams the parser's body bytes, and the answer is written
// back with weft's own framing. Requests on one connection are answered in order (pipelining is
// queued, the socket paused meanwhile). Per-connection state lives here, not in per-request closures.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { MeshBody } from '../../stack/body.ts';
import type { MeshRequest, MeshResponse } from '../../stack/types.ts';
import type { ConnectionInfo, RequestSink } from '../connection.ts';
import { discardBody } from '../../stack/discard.ts';
import { parseHead, responseHead, type Framing, type ParsedHead } from './head.ts';
import {
  METHODS,
  newParser,
  isParseError,
  type LlhttpParser,
  type ParseError,
  type RawHeaders,
} from './llhttp.ts';
import { ReadShare } from './read-share.ts';
import { nowTick } from './tick.ts';
import { writeMessage } from './write-message.ts';

interface Exchange {
  readonly req: MeshRequest;
  readonly body: MeshBody | null;
  readonly keepAlive: boolean;
  readonly isHead: boolean;
  readonly http10: boolean;
  readonly expectContinue: boolean;
  bodyComplete: boolean;
  answered: boolean;
  /** The answer being written, so a vanished caller frees its upstream body. */
  response?: MeshResponse;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

type RefusalStatus = 400 | 408 | 431 | 501;

const errorAnswer = (status: RefusalStatus, text: string): string => {
  const body = `weft: ${text}\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
};

const statusOfParseError = (err: ParseError): 400 | 431 => (err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400);

const hasMessageBody = (head: ParsedHead): boolean =>
  head.chunked || (head.contentLength !== undefined && head.contentLength > 0);

const bodyless = (status: number, isHead: boolean): boolean =>
  isHead || status === 204 || status === 304 || (status >= 100 && status < 200);

export class H1ServerConnection {
  readonly socket: Socket;
  private readonly conn: ConnectionInfo;
  private readonly sink: RequestSink;
  private readonly logger: Logger;
  private readonly parser: LlhttpParser;
  private partialHeaders: string[] | undefined;
  private partialUrl = '';
  /** The request whose body the parser is reading. */
  private parsing: Exchange | undefined;
  /** Parsed requests waiting for the one being answered (pipelining). */
  private readonly queue: Exchange[] = [];
  private active: Exchange | undefined;
  private bodyPaused = false;
  private readonly share: ReadShare;
  /** A parse error was answered: whatever the sink still returns is discarded. */
  private refused = false;
  /** Aborts the requests of this connection when it goes away. */
  private aborter: AbortController | undefined;
  /** After an Upgrade head: the request body that carries the caller's raw bytes. */
  private tunnel: MeshBody | undefined;
  private readEnded = false;
  private draining = false;
  /** nowTick() when the connection last became idle (no request being answered). */
  idleSince = nowTick();
  /** nowTick() when the first byte of a request head arrived while idle; -1 when none is pending. */
  headSince = -1;

  constructor(socket: Socket, conn: ConnectionInfo, sink: RequestSink, logger: Logger) {
    this.socket = socket;
    this.conn = conn;
    this.sink = sink;
    this.logger = logger;
    this.parser = newParser('request', {
      onHeaders: this.onHeaders,
      onHeadersComplete: this.onHeadersComplete,
      onBody: this.onBody,
      onMessageComplete: this.onMessageComplete,
    });
    // An app may send its request and half-close (FIN) at once: the answer must still go out, so
    // the sidecar ends its side itself once it has answered (onEnd, finished). A peer sidecar
    // (mTLS) never half-closes: its FIN means it gave the request up, so it ends the connection.
    socket.allowHalfOpen = !conn.tls;
    this.share = new ReadShare(socket, () => !this.bodyPaused && this.queue.length === 0);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    // Peers reset connections all the time (TLS sockets wrap the listener's and need their own).
    socket.on('error', this.onError);
    socket.once('close', this.onClose);
  }

  /** Not answering anything right now: safe to close without cutting a response. */
  get idle(): boolean {
    return this.active === undefined && this.queue.length === 0 && this.parsing === undefined;
  }

  /** The request head took too long to arrive (slowloris): 408, and the connection closes. */
  headTimedOut(): void {
    if (this.active !== undefined) return;
    this.refuse(408, 'the request head did not arrive in time');
  }

  /** Finish what is in flight, then close (answers carry `connection: close`). */
  drain(): void {
    this.draining = true;
    if (this.idle) this.socket.end();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.headSince < 0 && this.active === undefined) this.headSince = nowTick();
    this.share.spend(chunk.length);
    const r = this.parser.execute(chunk);
    if (isParseError(r))
      this.refuse(statusOfParseError(r), `${r.code}: ${(r as { reason?: string }).reason ?? r.message}`);
    else if (this.tunnel) this.switchToRaw(chunk.subarray(r));
  };

  /**
   * After an Upgrade head the connection carries the new protocol: llhttp stops at the head, and
   * every later byte goes to the request's body as it is.
   */
  private switchToRaw(rest: Buffer): void {
    this.socket.off('data', this.onData);
    this.socket.on('data', this.onRawData);
    if (rest.length > 0) this.onRawData(rest);
  }

  private readonly onRawData = (chunk: Buffer): void => {
    this.share.spend(chunk.length);
    if (this.tunnel && !this.tunnel.push(chunk)) {
      this.bodyPaused = true;
      this.socket.pause();
    }
  };

  private readonly onHeaders = (headers: RawHeaders, url: string): void => {
    (this.partialHeaders ??= []).push(...headers);
    this.partialUrl += url;
  };

  private readonly onHeadersComplete = (
    major: number,
    minor: number,
    rawHeaders: RawHeaders | undefined,
    methodIndex: number | undefined,
    rawUrl: string | undefined,
    _status: number | undefined,
    _statusText: string | undefined,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    this.headSince = -1;
    const { raw, url } = this.wholeHead(rawHeaders, rawUrl);
    const method = METHODS[methodIndex ?? -1] ?? 'GET';
    const head = parseHead(raw);
    if (upgrade && !this.canUpgrade(method, head)) return 0;
    const hasBody = upgrade || hasMessageBody(head);
    const body = hasBody ? new MeshBody(this.pull) : null;
    if (upgrade) this.tunnel = body as MeshBody;
    const req: MeshRequest = {
      protocol: 'http1',
      method,
      authority: head.host,
      path: url,
      headers: head.headers,
      body,
    };
    const exchange: Exchange = {
      req: upgrade ? { ...req, upgrade: head.upgrade } : req,
      body,
      keepAlive: keepAlive && !this.draining,
      isHead: method === 'HEAD',
      http10: major === 1 && minor === 0,
      expectContinue: head.expectContinue,
      bodyComplete: !hasBody,
      answered: false,
    };
    if (hasBody && !upgrade) this.parsing = exchange;
    if (this.active === undefined) this.start(exchange);
    else {
      this.queue.push(exchange);
      this.socket.pause(); // pipelined: read no further until the queue is answered
    }
    return 0;
  };

  /** CONNECT and pipelined or protocol-less upgrades are refused (501) rather than guessed at. */
  private canUpgrade(method: string, head: ParsedHead): boolean {
    if (method !== 'CONNECT' && head.upgrade !== undefined && this.active === undefined) return true;
    this.refuse(
      501,
      `${method === 'CONNECT' ? 'CONNECT' : 'this Upgrade'} is not supported by the weft sidecar`,
    );
    return false;
  }

  /** Joins what onHeaders collected for a long head with the last part. */
  private wholeHead(
    rawHeaders: RawHeaders | undefined,
    rawUrl: string | undefined,
  ): { raw: RawHeaders; url: string } {
    const partial = this.partialHeaders;
    if (!partial) return { raw: rawHeaders ?? [], url: rawUrl ?? '' };
    const url = this.partialUrl + (rawUrl ?? '');
    this.partialHeaders = undefined;
    this.partialUrl = '';
    return { raw: rawHeaders ? [...partial, ...rawHeaders] : partial, url };
  }

  private readonly onBody = (chunk: Buffer): void => {
    const body = this.parsing?.body;
    if (body && !body.push(chunk)) {
      this.bodyPaused = true;
      this.socket.pause();
    }
  };

  private readonly onMessageComplete = (): void => {
    const ex = this.parsing;
    if (!ex) return;
    this.parsing = undefined;
    ex.bodyComplete = true;
    ex.body?.push(null);
    // The reader will not ask for more of an ended body: un-pause unless requests are queued.
    if (this.bodyPaused) {
      this.bodyPaused = false;
      if (this.queue.length === 0) this.socket.resume();
    }
  };

  private readonly pull = (): void => {
    if (!this.bodyPaused) return;
    this.bodyPaused = false;
    if (this.queue.length === 0) this.socket.resume();
  };

  private start(ex: Exchange): void {
    this.active = ex;
    if (ex.expectContinue) this.socket.write(CONTINUE);
    // One signal per connection, not per request: an HTTP/1.1 connection answers one request at a
    // time, and what aborts a request (the caller going away) ends the connection and all of its
    // requests. Layers remove their abort listeners when their request ends.
    this.aborter ??= new AbortController();
    this.sink(ex.req, this.conn, this.aborter.signal).then(
      (res) => this.respond(ex, res),
      (err: unknown) => {
        this.logger.error({ err }, 'request sink threw instead of answering');
        this.socket.destroy();
      },
    );
  }

  private respond(ex: Exchange, res: MeshResponse): void {
    if (this.socket.destroyed || this.refused) return discardBody(res);
    ex.answered = true;
    ex.response = res;
    if (ex.req.upgrade !== undefined) return this.respondToUpgrade(ex, res);
    const noBody = bodyless(res.status, ex.isHead);
    let framing: Framing;
    let keepAlive = ex.keepAlive && !this.draining;
    if (noBody) framing = 'none';
    else if (res.headers['content-length'] !== undefined) framing = 'length';
    else if (res.body === null) framing = 'length';
    else if (ex.http10) {
      framing = 'close';
      keepAlive = false;
    } else framing = 'chunked';
    const headers =
      framing === 'length' && res.headers['content-length'] === undefined
        ? { ...res.headers, 'content-length': '0' }
        : res.headers;
    const connection = !keepAlive ? 'close' : ex.http10 ? 'keep-alive' : undefined;
    const body = noBody ? null : res.body;
    if (noBody) discardBody(res);
    writeMessage(
      this.socket,
      responseHead(res.status, headers, framing, connection),
      body,
      framing === 'chunked',
      (err) => this.finished(ex, keepAlive, err),
    );
  }

  /**
   * 101: the head goes back with the Upgrade lines, then the upstream's raw bytes until it closes
   * (the caller's bytes already stream upstream through the request body). Any other answer ends
   * the connection after it: the caller may already have sent bytes of the new protocol.
   */
  private respondToUpgrade(ex: Exchange, res: MeshResponse): void {
    const switched = res.status === 101 && res.upgrade !== undefined && res.body !== null;
    if (!switched) {
      this.tunnel?.destroy();
      const framing: Framing =
        res.headers['content-length'] !== undefined || res.body === null ? 'length' : 'close';
      const headers =
        framing === 'length' && res.headers['content-length'] === undefined
          ? { ...res.headers, 'content-length': '0' }
          : res.headers;
      return writeMessage(
        this.socket,
        responseHead(res.status, headers, framing, 'close'),
        res.body,
        false,
        (err) => this.finished(ex, false, err),
      );
    }
    writeMessage(
      this.socket,
      responseHead(101, res.headers, 'none', undefined, res.upgrade),
      res.body,
      false,
      (err) => (err ? this.socket.destroy() : this.socket.end()),
    );
  }

  private finished(ex: Exchange, keepAlive: boolean, err: Error | undefined): void {
    this.active = undefined;
    if (err) {
      this.logger.debug({ err }, 'response body failed; connection closed');
      return void this.socket.destroy();
    }
    // An unread request body leaves the connection mid-message: it cannot carry another request.
    if (!keepAlive || !ex.bodyComplete) {
      ex.body?.destroy();
      return void this.socket.end();
    }
    const next = this.queue.shift();
    if (next) return this.start(next);
    this.idleSince = nowTick();
    if (this.readEnded || this.draining) return void this.socket.end();
    if (!this.bodyPaused) this.socket.resume();
  }

  /** Answers a request the sidecar cannot take (bad head, Upgrade) and closes the connection. */
  private refuse(status: RefusalStatus, reason: string): void {
    this.socket.pause();
    this.socket.off('data', this.onData);
    const active = this.active;
    if (active?.answered) return void this.socket.destroy(); // mid-answer: nothing clean to say
    if (active) {
      // The head was fine and went upstream; its body was not. Stop that request, answer the caller.
      this.refused = true;
      this.aborter?.abort(new Error(reason));
      active.body?.destroy(new Error(reason));
    }
    this.logger.debug({ status, reason }, 'refused an HTTP/1.1 request');
    this.socket.end(errorAnswer(status, reason));
  }

  private readonly onError = (err: Error): void => {
    this.logger.debug({ err }, 'downstream connection error');
  };

  private readonly onEnd = (): void => {
    this.readEnded = true;
    if (this.tunnel) return void this.tunnel.push(null); // half-close travels upstream
    if (this.idle) this.socket.end();
  };

  private readonly onClose = (): void => {
    this.parser.close();
    const gone = new Error('the downstream connection closed');
    this.aborter?.abort(gone);
    for (const ex of [this.active, ...this.queue]) {
      if (!ex) continue;
      if (!ex.bodyComplete) ex.body?.destroy(gone);
      const answer = ex.response?.body;
      if (answer && !answer.readableEnded) answer.destroy();
    }
    this.queue.length = 0;
    this.active = undefined;
  };
}
