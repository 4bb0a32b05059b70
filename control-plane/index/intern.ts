// Pure: keeps the previous model's object for every service whose content did not change, so
// what is cached by object downstream (namespace views and their hashes in control-plane/snapshot,
// encoded bodies and deltas in api/convert/snapshot-wire.ts) survives a rebuild, and a change
// to one service costs one service's worth of work per namespace, not the whole mesh.
import { stableStringify } from '../../api/convert/stable-json.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import type { MeshModel } from './model.ts';

const canonical = new WeakMap<ServiceView, string>();

const canonicalOf = (s: ServiceView): string => {
  let text = canonical.get(s);
  if (text === undefined) canonical.set(s, (text = stableStringify(s)));
  return text;
};

export const internServices = (previous: MeshModel, next: MeshModel): MeshModel => {
  const services = new Map<string, ServiceView>();
  for (const [key, s] of next.services) {
    const old = previous.services.get(key);
    services.set(key, old !== undefined && canonicalOf(old) === canonicalOf(s) ? old : s);
  }
  return { ...next, services };
};
