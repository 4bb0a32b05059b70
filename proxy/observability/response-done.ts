// When a response is finished with, and the gRPC status it carried: the moment spans end and
// access-log lines are written (after the body, like the request metrics).
import { whenBodyDone } from '../layers/body-done.ts';
import type { HeaderMap, MeshResponse } from '../stack/types.ts';

export const grpcStatusOf = (headers: HeaderMap | undefined): string => {
  const v = headers?.['grpc-status'];
  return typeof v === 'string' ? v : '';
};

/** Calls done once, with the gRPC status from the trailers or a trailers-only head ('' if none). */
export const onResponseDone = (res: MeshResponse, done: (grpcStatus: string) => void): void => {
  const trailers = res.trailers;
  if (trailers === undefined) return whenBodyDone(res, () => done(grpcStatusOf(res.headers)));
  trailers.then(
    (t) => done(grpcStatusOf(t) || grpcStatusOf(res.headers)),
    () => done(grpcStatusOf(res.headers)),
  );
};

/** What the policy layers noted for this request (kept while tracing or the access log is on). */
export const retriesOf = (notes: readonly string[]): number => {
  let n = 0;
  for (const note of notes) if (note.startsWith('retry:') && !note.startsWith('retry:skipped')) n++;
  return n;
};

/** The fault applied (`abort:<name>` or `delay:<name>:<ms>ms`), '' when none. */
export const faultOf = (notes: readonly string[]): string => {
  let out = '';
  for (const note of notes)
    if (note.startsWith('fault:')) out = out ? `${out},${note.slice(6)}` : note.slice(6);
  return out;
};
