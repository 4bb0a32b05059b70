// Headers only sidecars may set (`x-weft-*`: debug switch, error/notes/authz/fault answers).
// A request that did not come from a peer sidecar over mTLS has them removed before any layer
// or the app sees them, so a caller outside the mesh cannot switch on debug notes or pass itself
// off as a sidecar's verdict.
import type { HeaderMap, MeshRequest } from '../stack/types.ts';

const SIDECAR_PREFIX = 'x-weft-';

/** The request without sidecar-only headers (the same object when it had none). */
export const withoutSidecarHeaders = (req: MeshRequest): MeshRequest => {
  let kept: HeaderMap | undefined;
  for (const name in req.headers) {
    if (!name.startsWith(SIDECAR_PREFIX)) continue;
    kept ??= { ...req.headers };
    delete kept[name];
  }
  return kept === undefined ? req : { ...req, headers: kept };
};
