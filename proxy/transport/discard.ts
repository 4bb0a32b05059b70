// Releases a response nobody will read, so its connection or stream is freed.
import type { MeshResponse } from '../stack/types.ts';

export const discardBody = (res: MeshResponse): void => {
  res.trailers?.catch(() => undefined);
  if (res.body && !res.body.destroyed) res.body.destroy();
};
