// CustomResourceDefinitions: creating one makes its kind served under every served version
// (conversion strategy None: one stored object, apiVersion rewritten on read), deleting one removes
// the kind and its objects. Validation covers the fields the stand-in relies on, not the schema.
import { invalid } from './status.ts';
import type { ResourceType } from './resource-types.ts';
import { isJsonObject, type Json, type KubeObject } from './types.ts';

// Kubernetes' version priority: GA before beta before alpha, higher numbers first.
const versionRank = (v: string): [number, number, number] => {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stability, Number(m[1]), Number(m[3] ?? 0)];
};

export const byVersionPriority = (a: string, b: string): number => {
  const ra = versionRank(a);
  const rb = versionRank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (rb[i] as number) - (ra[i] as number);
  return a.localeCompare(b);
};

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strs = (v: Json | undefined): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly status: boolean;
}

const parseVersions = (crd: KubeObject, fail: (m: string) => never): CrdVersion[] => {
  const spec = isJsonObject(crd['spec']) ? crd['spec'] : {};
  const raw = Array.isArray(spec['versions']) ? spec['versions'] : [];
  const versions = raw.filter(isJsonObject).map((v) => ({
    name: str(v['name']) ?? '',
    served: v['served'] === true,
    storage: v['storage'] === true,
    status: isJsonObject(v['subresources']) && isJsonObject(v['subresources']['status']),
  }));
  if (versions.length === 0 || versions.some((v) => !v.name))
    fail('spec.versions: Required value: each version needs a name');
  if (versions.filter((v) => v.storage).length !== 1)
    fail('spec.versions: Invalid value: exactly one version must be storage=true');
  return versions;
};

/** The ResourceType a CRD serves; throws 422 Invalid for a definition the stand-in cannot serve. */
export const typeFromCrd = (crd: KubeObject): ResourceType => {
  const name = crd.metadata.name ?? '';
  const fail = (m: string): never => {
    throw invalid('CustomResourceDefinition', name, m);
  };
  const spec = isJsonObject(crd['spec']) ? crd['spec'] : {};
  const names = isJsonObject(spec['names']) ? spec['names'] : {};
  const group = str(spec['group']) ?? fail('spec.group: Required value');
  const plural = str(names['plural']) ?? fail('spec.names.plural: Required value');
  const kind = str(names['kind']) ?? fail('spec.names.kind: Required value');
  if (name !== `${plural}.${group}`)
    fail(`metadata.name: Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  const scope = spec['scope'];
  if (scope !== 'Namespaced' && scope !== 'Cluster')
    fail('spec.scope: Unsupported value: must be "Namespaced" or "Cluster"');
  const versions = parseVersions(crd, fail);
  const served = versions
    .filter((v) => v.served)
    .map((v) => v.name)
    .sort(byVersionPriority);
  const shortNames = strs(names['shortNames']);
  const categories = strs(names['categories']);
  return {
    group,
    versions: served,
    plural,
    kind,
    singular: str(names['singular']) ?? kind.toLowerCase(),
    namespaced: scope === 'Namespaced',
    ...(shortNames ? { shortNames } : {}),
    ...(categories ? { categories } : {}),
    statusSubresource: versions.some((v) => v.status),
    crdName: name,
  };
};

/** Status a real server reports once the names are accepted and the kind is served. */
export const establishedStatus = (crd: KubeObject, now: string): Json => {
  const spec = isJsonObject(crd['spec']) ? crd['spec'] : {};
  const versions = Array.isArray(spec['versions']) ? spec['versions'].filter(isJsonObject) : [];
  const storage = versions.find((v) => v['storage'] === true);
  const condition = (type: string, reason: string, message: string): Json => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    acceptedNames: spec['names'] ?? {},
    storedVersions: storage ? [storage['name'] ?? ''] : [],
  };
};
