// Releases a response nobody will read (a retried try, a timed-out late answer, an answer to a
// caller that left), so its connection or stream is freed.
import type { MeshResponse } from './types.ts';

export const discardBody = (res: MeshResponse): void => {
  res.trailers?.catch(() => undefined);
  if (res.body && !res.body.destroyed) res.body.destroy();
};
