// The body stream weft's own HTTP/1.1 transport creates for requests and responses. It is a plain
// Readable to every layer, plus two cheap paths the transport uses:
// - whenDone(): stream.finished() costs several listeners and closures per request, and three
//   layers need to know when a body is finished with;
// - takeWhole(): a small answer usually arrives whole with its head. Until a reader asks for data,
//   pushed chunks wait here instead of in the Readable's buffer, so a writer that finds the whole
//   body here takes it in one call: no Readable push/read/'end'/'close' machinery (about six
//   nextTicks per body), which was the largest share of a small exchange's cost left in the body.
import { Readable } from 'node:stream';

const ignore = (): void => undefined;

/** Readable's default buffer size for byte streams: the same backpressure point while waiting. */
const HIGH_WATER_MARK = 16 * 1024;

/** The error a body writer reports when its source closed before it ended (both transports). */
export const prematureClose = (): Error =>
  Object.assign(new Error('body stream closed before it ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

export class MeshBody extends Readable {
  private readonly pull: (() => void) | undefined;
  private doneCallbacks: (() => void)[] | undefined;
  private settled = false;
  /** Chunks pushed before any reader asked for data; undefined once the Readable owns them. */
  private waiting: Buffer[] | undefined = [];
  private waitingBytes = 0;

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
    const waiting = this.waiting;
    if (waiting === undefined) return super.push(chunk, encoding);
    if (this.destroyed) return false;
    if (chunk !== null) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding);
      waiting.push(bytes);
      this.waitingBytes += bytes.length;
    }
    return this.waitingBytes < HIGH_WATER_MARK;
  }

  /**
   * When the body has fully arrived and nobody has read any of it: hands every chunk to `write`,
   * then counts the body as finished (whenDone callbacks run) and returns true. Otherwise does
   * nothing and returns false: read it as a stream.
   */
  takeWhole(write: (chunk: Buffer) => void): boolean {
    const waiting = this.waiting;
    if (!this.complete || waiting === undefined || this.destroyed) return false;
    this.waiting = [];
    this.waitingBytes = 0;
    for (const chunk of waiting) write(chunk);
    this.settle();
    return true;
  }

  override _read(): void {
    const waiting = this.waiting;
    if (waiting !== undefined) {
      // A reader: from here on the Readable holds the data.
      this.waiting = undefined;
      this.waitingBytes = 0;
      for (const chunk of waiting) super.push(chunk);
      if (this.complete) {
        super.push(null);
        return;
      }
    }
    this.pull?.();
  }

  // autoDestroy calls this after 'end', and destroy() calls it on failure: the one place a body
  // is known to be finished with either way.
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.waiting = undefined;
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
