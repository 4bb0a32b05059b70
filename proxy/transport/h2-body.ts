// Writes a body to an HTTP/2 stream with write()/'drain', like the HTTP/1.1 BodyPump, not with
// pipe() (six listeners on each side per stream and an unpipe on every end). Flow control holds
// end to end: when the stream's send window or buffer is full the body is paused, and a body
// that is itself an HTTP/2 stream then stops consuming its DATA, so no WINDOW_UPDATE goes back
// and its peer can send at most one stream window more (h2-settings.ts).
//
// Bodies read from HTTP/2 stay the node:http2 stream itself: a MeshBody in between (as HTTP/1.1
// has) let Readable's read-ahead resume a stream its reader had paused, so a never-reading caller
// parked more than one stream window per hop (test/reliability/h2-slow-readers).
import type { Http2Stream } from 'node:http2';
import type { Readable } from 'node:stream';
import { MeshBody, prematureClose } from '../stack/body.ts';

/**
 * Writes `body` to `target` and ends it (END_STREAM, or trailers when the stream waits for
 * them). `done` runs once: without an error when the body ended, with one when it failed (the
 * caller then resets the stream). When `target` closes first, the pump stops and the body is
 * destroyed if `freeOnClose` (a response nobody will read frees its upstream stream), else only
 * paused: a request body belongs to the layers, and a retry may still replay it.
 */
export const writeBodyToH2 = (
  body: Readable,
  target: Http2Stream,
  freeOnClose: boolean,
  done: (err?: Error) => void,
): void => {
  if (body instanceof MeshBody && body.takeWhole((c) => target.write(c))) {
    target.end();
    done();
    return;
  }
  new H2BodyPump(body, target, freeOnClose, done);
};

// One object per streamed body instead of a closure per event.
class H2BodyPump {
  private readonly body: Readable;
  private readonly target: Http2Stream;
  private readonly freeOnClose: boolean;
  private readonly done: (err?: Error) => void;
  private finished = false;

  constructor(body: Readable, target: Http2Stream, freeOnClose: boolean, done: (err?: Error) => void) {
    this.body = body;
    this.target = target;
    this.freeOnClose = freeOnClose;
    this.done = done;
    if (body.destroyed) {
      this.finished = true;
      done(body.readableEnded ? undefined : prematureClose());
      return;
    }
    body.on('data', this.onData);
    body.once('end', this.onEnd);
    body.once('error', this.onError);
    body.once('close', this.onClose);
    target.once('close', this.onTargetClose);
    body.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (!this.target.write(chunk)) {
      this.body.pause();
      this.target.once('drain', this.onDrain);
    }
  };

  private readonly onDrain = (): void => {
    this.body.resume();
  };

  private readonly onEnd = (): void => {
    this.stop();
    this.target.end();
    this.done();
  };

  private readonly onError = (err: Error): void => {
    this.stop();
    this.done(err);
  };

  private readonly onClose = (): void => {
    if (this.body.readableEnded) return;
    this.stop();
    this.done(prematureClose());
  };

  private readonly onTargetClose = (): void => {
    if (!this.stop()) return;
    if (this.freeOnClose) this.body.destroy();
    else this.body.pause();
  };

  /** Detaches; false when it already was. */
  private stop(): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.body.off('data', this.onData);
    this.body.off('end', this.onEnd);
    this.body.off('error', this.onError);
    this.body.off('close', this.onClose);
    this.target.off('close', this.onTargetClose);
    this.target.off('drain', this.onDrain);
    return true;
  }
}
