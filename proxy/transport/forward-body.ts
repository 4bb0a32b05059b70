// Streams a request body into an upstream request with backpressure. Unlike pipeline(), a
// failing upstream does not destroy the source: the downstream request must survive so the
// error-response layer can still answer it (or a retry can replay it).
import type { Readable, Writable } from 'node:stream';

export const forwardBody = (source: Readable, target: Writable): void => {
  const onSourceError = (err: Error): void => {
    target.destroy(err);
  };
  source.once('error', onSourceError);
  target.once('close', () => {
    source.off('error', onSourceError);
    source.unpipe(target);
  });
  source.pipe(target);
};
