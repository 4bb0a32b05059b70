// Discovery documents built from the registry: /api, /apis, /apis/<group>, the per-version
// APIResourceLists and /version. Clients (kubectl, client-node's KubernetesObjectApi) read these to
// map kinds to URLs, so a CRD's kind shows up here as soon as the CRD is created.
import { byVersionPriority } from './crd.ts';
import { groupVersion, verbsOf, type ResourceRegistry, type ResourceType } from './resource-types.ts';
import type { Json, JsonObject } from './types.ts';

export const KUBE_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-weft-standin' };

const sortedVersions = (versions: readonly string[]): string[] => [...versions].sort(byVersionPriority);

export const apiVersions = (serverAddress: string): JsonObject => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
});

const apiGroup = (name: string, versions: readonly string[]): JsonObject => {
  const ordered = sortedVersions(versions);
  const entry = (v: string): Json => ({ groupVersion: groupVersion(name, v), version: v });
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name,
    versions: ordered.map(entry),
    preferredVersion: entry(ordered[0] ?? 'v1'),
  };
};

export const apiGroupList = (registry: ResourceRegistry): JsonObject => ({
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [...registry.groups()]
    .filter(([g]) => g !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([g, versions]) => {
      const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g, versions);
      return rest;
    }),
});

export const apiGroupDoc = (registry: ResourceRegistry, group: string): JsonObject | undefined => {
  const versions = registry.groups().get(group);
  return versions && group !== '' ? apiGroup(group, versions) : undefined;
};

const resourceEntries = (t: ResourceType): Json[] => {
  const main: JsonObject = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: verbsOf(t),
  };
  if (t.shortNames?.length) main['shortNames'] = [...t.shortNames];
  if (t.categories?.length) main['categories'] = [...t.categories];
  const out: Json[] = [main];
  if (t.statusSubresource) {
    out.push({
      name: `${t.plural}/status`,
      singularName: '',
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  return out;
};

export const apiResourceList = (
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined => {
  const types = registry.all().filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: types.sort((a, b) => a.plural.localeCompare(b.plural)).flatMap(resourceEntries),
  };
};

export const versionInfo = (): JsonObject => ({
  ...KUBE_VERSION,
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
});
