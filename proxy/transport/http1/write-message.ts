// Writes one HTTP/1.1 message (head + body) to a socket with backpressure. Body bytes already
// buffered when the head is written leave in the same writev as the head: a small response costs
// one syscall. Chunked framing is added here; Content-Length bodies go out as they are.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { MeshBody, prematureClose } from '../../stack/body.ts';

const CRLF = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';

const writeChunk = (socket: Socket, chunk: Buffer): boolean => {
  if (chunk.length === 0) return true; // an empty chunk would end the body
  socket.write(chunk.length.toString(16) + CRLF);
  socket.write(chunk);
  return socket.write(CRLF);
};

/**
 * Writes `head` then `body` (null: none). `done` runs once: without an error when the last byte
 * was handed to the socket, with one when the body failed (the message is then incomplete and the
 * caller must close the connection).
 */
export const writeMessage = (
  socket: Socket,
  head: string,
  body: Readable | null,
  chunked: boolean,
  done: (err?: Error) => void,
): void => {
  socket.cork();
  socket.write(head, 'latin1');
  if (body === null) {
    socket.uncork();
    done();
    return;
  }
  // A body that arrived whole with its head leaves in this write, without stream machinery.
  if (
    body instanceof MeshBody &&
    body.takeWhole(chunked ? (c) => writeChunk(socket, c) : (c) => socket.write(c))
  ) {
    if (chunked) socket.write(LAST_CHUNK);
    socket.uncork();
    done();
    return;
  }
  let chunk: Buffer | null;
  let ok = true;
  while (ok && (chunk = body.read() as Buffer | null) !== null)
    ok = chunked ? writeChunk(socket, chunk) : socket.write(chunk);
  // The whole body was already here (a small answer arriving with its head): no pump needed.
  if (ok && body instanceof MeshBody && body.complete && body.readableLength === 0) {
    if (chunked) socket.write(LAST_CHUNK);
    socket.uncork();
    done();
    return;
  }
  socket.uncork();
  new BodyPump(socket, body, chunked, done, ok);
};

// One object per streamed body instead of a closure per event.
class BodyPump {
  private readonly socket: Socket;
  private readonly body: Readable;
  private readonly chunked: boolean;
  private readonly done: (err?: Error) => void;
  private finished = false;

  constructor(
    socket: Socket,
    body: Readable,
    chunked: boolean,
    done: (err?: Error) => void,
    flowing: boolean,
  ) {
    this.socket = socket;
    this.body = body;
    this.chunked = chunked;
    this.done = done;
    body.on('data', this.onData);
    body.once('end', this.onEnd);
    body.once('error', this.onError);
    body.once('close', this.onClose);
    // A body destroyed before anyone wrote it (a discarded answer) emits nothing more.
    if (body.destroyed) {
      this.finish(body.readableEnded ? undefined : prematureClose());
      return;
    }
    if (!flowing) {
      body.pause();
      socket.once('drain', this.onDrain);
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    const ok = this.chunked ? writeChunk(this.socket, chunk) : this.socket.write(chunk);
    if (!ok) {
      this.body.pause();
      this.socket.once('drain', this.onDrain);
    }
  };

  private readonly onDrain = (): void => {
    this.body.resume();
  };

  private readonly onEnd = (): void => {
    if (this.chunked) this.socket.write(LAST_CHUNK);
    this.finish();
  };

  private readonly onError = (err: Error): void => this.finish(err);

  private readonly onClose = (): void => {
    if (!this.body.readableEnded) this.finish(prematureClose());
  };

  private finish(err?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.body.off('data', this.onData);
    this.body.off('end', this.onEnd);
    this.body.off('error', this.onError);
    this.body.off('close', this.onClose);
    this.socket.off('drain', this.onDrain);
    this.done(err);
  }
}
