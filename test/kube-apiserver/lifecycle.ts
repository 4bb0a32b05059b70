// Server-owned metadata and write semantics shared by every kind: uid, creationTimestamp,
// generation, resourceVersion preconditions, status subresource rules, finalizers. Kind-specific
// defaults come from KindHooks so this file never names a kind.
import type { Clock, Random } from '../../api/runtime/clock.ts';
import { groupVersion, resourceKey, type ResourceType } from './resource-types.ts';
import { alreadyExists, badRequest, conflict, invalid, notFound } from './status.ts';
import type { ObjectStore } from './store.ts';
import { clone, type KubeObject } from './types.ts';

export interface KindHooks {
  /** Fill defaults and validate a new object (after server metadata is set). */
  prepareCreate?(obj: KubeObject): KubeObject;
  /** Called after a create/update/delete was stored. */
  afterWrite?(op: 'create' | 'update' | 'delete', obj: KubeObject): void;
  /** Called before a delete is stored (e.g. a CRD removes its custom objects). */
  beforeDelete?(obj: KubeObject): void;
}

export interface WriteTarget {
  readonly type: ResourceType;
  readonly version: string;
  readonly namespace: string | undefined;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

// Fields whose change does not bump metadata.generation (Kubernetes bumps it for spec changes).
const sansMetaAndStatus = (o: KubeObject): string => {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
};

const sansResourceVersion = (o: KubeObject): string =>
  JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });

export class Lifecycle {
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly hooks: (t: ResourceType) => KindHooks;

  constructor(store: ObjectStore, clock: Clock, random: Random, hooks: (t: ResourceType) => KindHooks) {
    this.store = store;
    this.clock = clock;
    this.random = random;
    this.hooks = hooks;
  }

  create(target: WriteTarget, body: KubeObject): KubeObject {
    const { type } = target;
    const obj = this.normalise(target, body);
    const meta = obj.metadata;
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (!meta.name && meta.generateName) meta.name = meta.generateName + this.suffix();
    this.validateName(type, meta.name);
    this.requireNamespace(target);
    const name = meta.name as string;
    if (this.store.get(resourceKey(type), meta.namespace, name)) {
      throw alreadyExists(type.plural, name, type.group);
    }
    if (type.statusSubresource) delete obj['status'];
    Object.assign(meta, {
      uid: this.uid(),
      creationTimestamp: this.timestamp(),
      generation: 1,
    });
    delete meta.deletionTimestamp;
    const prepared = this.hooks(type).prepareCreate?.(obj) ?? obj;
    const stored = this.store.put(resourceKey(type), prepared);
    this.hooks(type).afterWrite?.('create', stored);
    return stored;
  }

  /** PUT of the main resource (`subresource` undefined) or of its /status. */
  update(target: WriteTarget, name: string, body: KubeObject, subresource?: 'status'): KubeObject {
    const { type } = target;
    const old = this.current(target, name);
    const incoming = this.normalise(target, body);
    if (incoming.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    this.checkResourceVersion(type, old, incoming.metadata.resourceVersion);
    const next = this.merge(type, old, incoming, subresource);
    if (sansResourceVersion(next) === sansResourceVersion(old)) return old; // no-op: no new version
    const key = resourceKey(type);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      return this.finalDelete(type, this.store.put(key, next));
    }
    const stored = this.store.put(key, next);
    this.hooks(type).afterWrite?.('update', stored);
    return stored;
  }

  delete(
    target: WriteTarget,
    name: string,
    preconditions?: { uid?: string; resourceVersion?: string },
  ): KubeObject {
    const { type } = target;
    const old = this.current(target, name);
    if (preconditions?.uid && preconditions.uid !== old.metadata.uid)
      throw conflict(type.plural, name, type.group);
    if (preconditions?.resourceVersion && preconditions.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(type.plural, name, type.group);
    }
    if ((old.metadata.finalizers ?? []).length > 0) {
      if (old.metadata.deletionTimestamp) return old;
      const marked = clone(old);
      Object.assign(marked.metadata, { deletionTimestamp: this.timestamp(), deletionGracePeriodSeconds: 0 });
      return this.store.put(resourceKey(type), marked);
    }
    return this.finalDelete(type, old);
  }

  current(target: WriteTarget, name: string): KubeObject {
    const { type } = target;
    const found = this.store.get(resourceKey(type), target.namespace, name);
    if (!found) throw notFound(type.plural, name, type.group);
    return found;
  }

  private finalDelete(type: ResourceType, obj: KubeObject): KubeObject {
    this.hooks(type).beforeDelete?.(obj);
    const gone = this.store.remove(resourceKey(type), obj.metadata.namespace, obj.metadata.name ?? '') ?? obj;
    this.hooks(type).afterWrite?.('delete', gone);
    return gone;
  }

  private merge(
    type: ResourceType,
    old: KubeObject,
    incoming: KubeObject,
    subresource?: 'status',
  ): KubeObject {
    let next: KubeObject;
    if (subresource === 'status') {
      // /status changes status only; everything else stays as stored.
      next = clone(old);
      if (incoming['status'] === undefined) delete next['status'];
      else next['status'] = incoming['status'];
    } else {
      next = clone(incoming);
      if (type.statusSubresource) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = clone(old['status']);
      }
    }
    // Server-owned metadata cannot be changed by clients.
    const keep = [
      'uid',
      'creationTimestamp',
      'namespace',
      'name',
      'generation',
      'deletionTimestamp',
    ] as const;
    for (const k of keep) {
      if (old.metadata[k] === undefined) delete next.metadata[k];
      else next.metadata[k] = old.metadata[k] as never;
    }
    if (sansMetaAndStatus(next) !== sansMetaAndStatus(old)) {
      next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
    return next;
  }

  private checkResourceVersion(type: ResourceType, old: KubeObject, rv: string | undefined): void {
    if (rv) {
      if (rv !== old.metadata.resourceVersion)
        throw conflict(type.plural, old.metadata.name ?? '', type.group);
      return;
    }
    // Custom resources refuse unconditional updates; built-in kinds used here accept them.
    if (type.crdName) {
      throw invalid(
        type.kind,
        old.metadata.name ?? '',
        'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      );
    }
  }

  /** Set apiVersion/kind/namespace from the URL; reject a body that names another kind or namespace. */
  private normalise(target: WriteTarget, body: KubeObject): KubeObject {
    const { type, version, namespace } = target;
    const obj = clone(body);
    const apiVersion = groupVersion(type.group, version);
    if ((obj.kind && obj.kind !== type.kind) || (obj.apiVersion && obj.apiVersion !== apiVersion)) {
      throw badRequest(
        `the body is a ${obj.apiVersion}/${obj.kind}, not a ${apiVersion}/${type.kind} as the URL says`,
      );
    }
    obj.apiVersion = apiVersion;
    obj.kind = type.kind;
    obj.metadata = { ...(obj.metadata ?? {}) };
    if (!type.namespaced) {
      delete obj.metadata.namespace;
    } else if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    } else {
      obj.metadata.namespace = namespace;
    }
    return obj;
  }

  private validateName(type: ResourceType, name: string | undefined): void {
    if (!name)
      throw invalid(type.kind, '', 'metadata.name: Required value: name or generateName is required');
    if (name.length > 253 || !NAME_RE.test(name)) {
      throw invalid(
        type.kind,
        name,
        `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case ` +
          "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      );
    }
  }

  private requireNamespace(target: WriteTarget): void {
    if (!target.type.namespaced) return;
    if (!target.namespace)
      throw badRequest(`${target.type.plural} are namespaced: the URL must name a namespace`);
    if (!this.store.get('/namespaces', undefined, target.namespace)) {
      throw notFound('namespaces', target.namespace);
    }
  }

  private timestamp(): string {
    // Kubernetes timestamps have second precision.
    return new Date(Math.floor(this.clock.wallNow() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  private suffix(): string {
    let s = '';
    for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(this.random() * GENERATE_ALPHABET.length)];
    return s;
  }

  /** A v4-shaped UUID from the injected randomness, so uids are reproducible in tests. */
  private uid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}
