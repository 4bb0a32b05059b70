// The few kind-specific behaviours a real API server has that weft's code can observe: namespace
// labels and phase, pod phase, CRDs serving their kinds. Everything else is generic (lifecycle.ts).
import { establishedStatus, typeFromCrd } from './crd.ts';
import type { KindHooks } from './lifecycle.ts';
import { resourceKey, type ResourceRegistry, type ResourceType } from './resource-types.ts';
import { invalid } from './status.ts';
import type { ObjectStore } from './store.ts';
import { isJsonObject } from './types.ts';

export interface KindHookDeps {
  readonly registry: ResourceRegistry;
  readonly store: ObjectStore;
  /** RFC 3339 timestamp of "now" from the injected clock. */
  readonly now: () => string;
}

const namespaceHooks: KindHooks = {
  prepareCreate(obj) {
    // Since Kubernetes 1.21 every namespace carries its name as a label (namespaceSelector relies on it).
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    obj['status'] = { phase: 'Active' };
    return obj;
  },
};

const podHooks: KindHooks = {
  prepareCreate(obj) {
    obj['status'] = { phase: 'Pending' };
    return obj;
  },
};

const crdHooks = (deps: KindHookDeps): KindHooks => ({
  prepareCreate(obj) {
    const served = typeFromCrd(obj);
    const clash = deps.registry.all().find((t) => resourceKey(t) === resourceKey(served));
    if (clash) {
      throw invalid(
        'CustomResourceDefinition',
        obj.metadata.name ?? '',
        `spec.names.plural: "${served.plural}" is already served in group "${served.group}"`,
      );
    }
    obj['status'] = establishedStatus(obj, deps.now());
    return obj;
  },
  afterWrite(op, obj) {
    const served = typeFromCrd(obj);
    if (op === 'delete') deps.registry.remove(served.group, served.plural);
    else deps.registry.add(served);
  },
  beforeDelete(obj) {
    // The real server's customresourcecleanup finalizer: instances go before the definition.
    const spec = isJsonObject(obj['spec']) ? obj['spec'] : {};
    const names = isJsonObject(spec['names']) ? spec['names'] : {};
    const key = resourceKey({ group: String(spec['group']), plural: String(names['plural']) });
    for (const o of deps.store.list(key)) deps.store.remove(key, o.metadata.namespace, o.metadata.name ?? '');
  },
});

export const makeKindHooks = (deps: KindHookDeps): ((t: ResourceType) => KindHooks) => {
  const crd = crdHooks(deps);
  const byKey: Record<string, KindHooks> = {
    '/namespaces': namespaceHooks,
    '/pods': podHooks,
    'apiextensions.k8s.io/customresourcedefinitions': crd,
  };
  return (t) => byKey[resourceKey(t)] ?? {};
};
