// Bounded request-body replay for retries: the body is teed as the first try sends it, up to
// maxBytes; a larger body stops being buffered and makes the request non-retryable.
import { PassThrough, Readable } from 'node:stream';

export interface ReplayableBody {
  /** The stream the first try sends: the source, passed through while it is buffered. */
  readonly first: Readable;
  /** False once the body is known to be over the limit (or broken); true while it may still fit. */
  replayable(): boolean;
  /** A fresh copy of the whole body for another try, or null when it cannot be replayed. */
  forReplay(signal: AbortSignal): Promise<Readable | null>;
}

const notReplayable = (source: Readable): ReplayableBody => ({
  first: source,
  replayable: () => false,
  forReplay: async () => null,
});

/**
 * `declaredLength` (content-length) above the limit skips buffering altogether. Chunks are
 * captured by a 'data' listener on the source, not in the tee, so data the first try never
 * consumed (it failed early) is still in the buffer.
 */
export const replayableBody = (
  source: Readable,
  maxBytes: number,
  declaredLength?: number,
): ReplayableBody => {
  if (declaredLength !== undefined && declaredLength > maxBytes) return notReplayable(source);
  // content-length: 0 (common on GETs from HTTP/1 servers): nothing to tee, replay an empty body.
  if (declaredLength === 0)
    return {
      first: source,
      replayable: () => true,
      forReplay: async () => Readable.from([], { objectMode: false }),
    };
  let chunks: Buffer[] = [];
  let size = 0;
  let state: 'reading' | 'ended' | 'unusable' = 'reading';
  const waiters = new Set<() => void>();
  const settle = (next: 'ended' | 'unusable'): void => {
    if (state !== 'reading') return;
    state = next;
    if (next === 'unusable') chunks = [];
    source.off('data', onData);
    for (const w of waiters) w();
  };
  const onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > maxBytes) settle('unusable');
    else chunks.push(b);
  };
  source.on('data', onData);
  source.once('end', () => settle('ended'));
  source.once('error', () => settle('unusable'));
  const tee = new PassThrough();
  source.on('error', (e) => tee.destroy(e));
  source.pipe(tee);

  const copy = (): Readable | null =>
    state === 'ended' ? Readable.from(chunks, { objectMode: false }) : null;

  return {
    first: tee,
    replayable: () => state !== 'unusable',
    forReplay: (signal) => {
      if (state !== 'reading') return Promise.resolve(copy());
      // The first try gave up before sending everything: read the rest ourselves.
      source.unpipe(tee);
      tee.destroy();
      return new Promise<Readable | null>((resolve) => {
        const done = (): void => {
          waiters.delete(done);
          signal.removeEventListener('abort', onAbort);
          resolve(copy());
        };
        const onAbort = (): void => {
          waiters.delete(done);
          resolve(null);
        };
        waiters.add(done);
        signal.addEventListener('abort', onAbort, { once: true });
        // Over the limit the stream keeps flowing with no listener, which discards the rest.
        source.resume();
      });
    },
  };
};
