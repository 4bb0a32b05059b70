// The stand-in's etcd: objects by storage key, one monotonically increasing resourceVersion for
// every write of every kind, and a bounded history of changes that watches replay from. History
// older than `compactedRv` is gone, which is what makes a watch from an old resourceVersion a 410.
import type { KubeObject, StoreEvent } from './types.ts';

export type StoreListener = (e: StoreEvent) => void;

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private rv = 1;
  private compacted = 0;
  private readonly historyLimit: number;

  constructor(historyLimit: number) {
    this.historyLimit = Math.max(1, historyLimit);
  }

  /** The newest resourceVersion handed out (a list's resourceVersion). */
  currentRv(): number {
    return this.rv;
  }

  /** Watches must start after this resourceVersion; older ones answer 410 Gone. */
  compactedRv(): number {
    return this.compacted;
  }

  get(resourceKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(resourceKey)?.get(objectKey(namespace, name));
  }

  /** Objects of one kind, sorted by namespace then name as the real server lists them. */
  list(resourceKey: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(resourceKey)?.values() ?? [])];
    // Byte order, as etcd keys sort: list pages and continue tokens depend on it being stable.
    const key = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name ?? '');
    return all
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  /** Store a new version; the caller prepared everything but the resourceVersion. */
  put(resourceKey: string, obj: KubeObject): KubeObject {
    const name = obj.metadata.name ?? '';
    const byName = this.objects.get(resourceKey) ?? new Map<string, KubeObject>();
    this.objects.set(resourceKey, byName);
    const previous = byName.get(objectKey(obj.metadata.namespace, name));
    const stored = this.stamp(obj);
    byName.set(objectKey(obj.metadata.namespace, name), stored);
    this.emit(previous ? { type: 'MODIFIED', previous } : { type: 'ADDED' }, resourceKey, stored);
    return stored;
  }

  remove(resourceKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const byName = this.objects.get(resourceKey);
    const previous = byName?.get(objectKey(namespace, name));
    if (!byName || !previous) return undefined;
    byName.delete(objectKey(namespace, name));
    // The DELETED event carries the last state at a fresh resourceVersion, as etcd's delete revision.
    const gone = this.stamp(previous);
    this.emit({ type: 'DELETED', previous }, resourceKey, gone);
    return gone;
  }

  /** Events for one kind after `afterRv`, oldest first. Callers check compactedRv() first. */
  eventsSince(resourceKey: string, afterRv: number): StoreEvent[] {
    return this.history.filter((e) => e.rv > afterRv && e.resourceKey === resourceKey);
  }

  /** Forget all history: every resourceVersion before now becomes too old to watch from. */
  compact(): void {
    this.history.length = 0;
    this.compacted = this.rv;
  }

  subscribe(fn: StoreListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private stamp(obj: KubeObject): KubeObject {
    this.rv += 1;
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } };
  }

  private emit(
    head: { type: StoreEvent['type']; previous?: KubeObject },
    resourceKey: string,
    object: KubeObject,
  ): void {
    const event: StoreEvent = { ...head, rv: this.rv, resourceKey, object };
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift() as StoreEvent;
      this.compacted = dropped.rv;
    }
    for (const fn of this.listeners) fn(event);
  }
}
