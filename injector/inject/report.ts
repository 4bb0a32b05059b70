// Whether a pod gets a sidecar, and if not why: the same answer for the webhook and `weft inject`.
// Namespace selection is not here: the API server applies the webhook's namespaceSelector.
import { ANNOTATION, INJECT_DISABLED, INJECT_LABEL, INJECTED, PROXY_CONTAINER } from './annotations.ts';
import type { PodLike } from './kube-types.ts';

export type SkipReason = 'already-injected' | 'host-network' | 'opted-out';

export type InjectReport =
  { readonly inject: true } | { readonly inject: false; readonly reason: SkipReason };

const hasProxy = (pod: PodLike): boolean =>
  [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (c) => c.name === PROXY_CONTAINER,
  );

export const injectReport = (pod: PodLike): InjectReport => {
  const meta = pod.metadata ?? {};
  // Idempotence first: an injected pod is left exactly as it is, whatever else it says.
  if (meta.annotations?.[INJECTED] !== undefined || hasProxy(pod))
    return { inject: false, reason: 'already-injected' };
  if (
    meta.annotations?.[ANNOTATION.inject] === INJECT_DISABLED ||
    meta.labels?.[INJECT_LABEL] === INJECT_DISABLED
  )
    return { inject: false, reason: 'opted-out' };
  // The capture rules would rewrite the node's own network namespace.
  if (pod.spec?.hostNetwork === true) return { inject: false, reason: 'host-network' };
  return { inject: true };
};
