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

/**
 * Streams a response body to the caller with backpressure. stream.pipeline() would do, but it
 * allocates an AbortController and throws a DOMException on every finish, a measurable share of
 * CPU per request. If the caller goes away, the upstream body is destroyed to free its stream.
 */
export const pumpResponse = (source: Readable, target: Writable): void => {
  source.once('error', (err) => target.destroy(err));
  target.once('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  source.pipe(target);
};
