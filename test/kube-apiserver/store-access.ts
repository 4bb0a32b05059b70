// Direct store access for tests: seed objects without going through HTTP or admission, read and
// delete them. Writes still take the normal lifecycle path, so watches see them and resourceVersions
// advance exactly as for API writes.
import type { Lifecycle, WriteTarget } from './lifecycle.ts';
import { resourceKey, splitApiVersion, type ResourceRegistry } from './resource-types.ts';
import type { ObjectStore } from './store.ts';
import { clone, type KubeObject } from './types.ts';

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export class StoreAccess {
  private readonly registry: ResourceRegistry;
  private readonly lifecycle: Lifecycle;
  private readonly store: ObjectStore;

  constructor(registry: ResourceRegistry, lifecycle: Lifecycle, store: ObjectStore) {
    this.registry = registry;
    this.lifecycle = lifecycle;
    this.store = store;
  }

  /**
   * Create the object, or replace the stored one with it; a given status is kept (it would be
   * dropped on an API create of a kind with a status subresource). A missing namespace is created.
   */
  seed(obj: KubeObject): KubeObject {
    const target = this.target(obj);
    const ns = target.namespace;
    if (ns && !this.store.get('/namespaces', undefined, ns)) {
      this.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    const name = obj.metadata.name ?? '';
    const existing = this.store.get(resourceKey(target.type), ns, name);
    let stored = existing
      ? this.lifecycle.update(target, name, {
          ...clone(obj),
          metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion },
        })
      : this.lifecycle.create(target, {
          ...clone(obj),
          metadata: { ...obj.metadata, resourceVersion: undefined },
        });
    if (obj['status'] !== undefined && target.type.statusSubresource) {
      stored = this.lifecycle.update(target, name, { ...stored, status: clone(obj['status']) }, 'status');
    }
    return stored;
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const target = this.target({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { namespace: ref.namespace },
    });
    return this.store.get(resourceKey(target.type), target.namespace, ref.name);
  }

  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const target = this.target({ apiVersion, kind, metadata: { namespace } });
    return this.store.list(resourceKey(target.type), namespace);
  }

  /** Delete now, finalizers or not. Returns false when there was nothing to delete. */
  delete(ref: ObjectRef): boolean {
    const current = this.get(ref);
    if (!current) return false;
    const target = this.target(current);
    if ((current.metadata.finalizers ?? []).length > 0) {
      const marked = this.lifecycle.delete(target, ref.name);
      this.lifecycle.update(target, ref.name, {
        ...marked,
        metadata: { ...marked.metadata, finalizers: [] },
      });
    } else {
      this.lifecycle.delete(target, ref.name);
    }
    return true;
  }

  /** The newest resourceVersion the store handed out. */
  resourceVersion(): string {
    return String(this.store.currentRv());
  }

  private target(obj: KubeObject): WriteTarget {
    const apiVersion = obj.apiVersion ?? '';
    const type = this.registry.byKind(apiVersion, obj.kind ?? '');
    if (!type)
      throw new Error(`the stand-in does not serve ${apiVersion} ${obj.kind} (create its CRD first)`);
    return {
      type,
      version: splitApiVersion(apiVersion).version,
      namespace: type.namespaced ? (obj.metadata.namespace ?? 'default') : undefined,
    };
  }
}
