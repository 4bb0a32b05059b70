// The body stream weft's own HTTP/1.1 transport creates for requests and responses. It is a plain
// Readable to every layer, plus a cheap "done" hook: stream.finished() costs several listeners
// and closures per request, and three layers need to know when a body is finished with.
import { Readable } from 'node:stream';

const ignore = (): void => undefined;

export class MeshBody extends Readable {
  private readonly pull: (() => void) | undefined;
  private doneCallbacks: (() => void)[] | undefined;
  private settled = false;

  /** `pull` runs when the reader wants more: the transport resumes its paused socket there. */
  constructor(pull?: () => void) {
    super();
    this.pull = pull;
    // A transport destroys a body with the reason when its connection dies, possibly before any
    // reader attached: without a listener that 'error' would be an uncaught exception.
    this.on('error', ignore);
  }

  /** The transport has pushed the end (push(null)): every byte of the body is buffered or read. */
  complete = false;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) this.complete = true;
    return super.push(chunk, encoding);
  }

  override _read(): void {
    this.pull?.();
  }

  // autoDestroy calls this after 'end', and destroy() calls it on failure: the one place a body
  // is known to be finished with either way.
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.settle();
    callback(err);
  }

  /** Runs `done` once the body ended, failed or was destroyed (at once if it already was). */
  whenDone(done: () => void): void {
    if (this.settled) done();
    else (this.doneCallbacks ??= []).push(done);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const callbacks = this.doneCallbacks;
    this.doneCallbacks = undefined;
    if (callbacks) for (const cb of callbacks) cb();
  }
}
