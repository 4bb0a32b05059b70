// The registry of kinds the stand-in serves: built-ins are registered at start, CRDs add their kinds
// when created and remove them when deleted. Everything else (discovery, routing, storage keys)
// is derived from these descriptions, which is what keeps the stand-in generic over kinds.
export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  /** Served versions, preferred (storage) version first. Objects are stored once, not converted. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** `/status` exists and the main endpoint ignores status changes. */
  readonly statusSubresource?: boolean;
  /** Create-only virtual kinds such as TokenReview: nothing is stored. */
  readonly virtual?: boolean;
  /** DELETE answers with the deleted object instead of a Status (Pod, Service, ServiceAccount). */
  readonly returnsDeletedObject?: boolean;
  /** Set for kinds served from a CustomResourceDefinition (its metadata.name). */
  readonly crdName?: string;
}

export const FULL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const verbsOf = (t: ResourceType): string[] => (t.virtual ? ['create'] : FULL_VERBS);

/** Storage key: one per group and plural, shared by all versions (as etcd keys are). */
export const resourceKey = (t: Pick<ResourceType, 'group' | 'plural'>): string => `${t.group}/${t.plural}`;

export const groupVersion = (group: string, version: string): string =>
  group === '' ? version : `${group}/${version}`;

export const splitApiVersion = (apiVersion: string): { group: string; version: string } => {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
};

export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();

  add(t: ResourceType): void {
    this.byKey.set(resourceKey(t), t);
  }

  remove(group: string, plural: string): ResourceType | undefined {
    const key = resourceKey({ group, plural });
    const t = this.byKey.get(key);
    this.byKey.delete(key);
    return t;
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** The type served at /apis/<group>/<version>/<plural>, if that version is served. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.byKey.get(resourceKey({ group, plural }));
    return t && t.versions.includes(version) ? t : undefined;
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    return this.all().find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
  }

  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.all()) {
      const versions = out.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
      out.set(t.group, versions);
    }
    return out;
  }
}
