// Just enough OpenAPI v3 for kubectl: the /openapi/v3 index and one document per group-version
// listing every resource path with the query parameters kubectl probes for (fieldValidation, so
// `kubectl apply` validates server-side instead of downloading schemas). Schemas are open objects:
// the stand-in does not validate against them.
import { createHash } from 'node:crypto';
import { type ResourceRegistry, type ResourceType } from './resource-types.ts';
import type { Json, JsonObject } from './types.ts';

const gvPath = (group: string, version: string): string =>
  group === '' ? `api/${version}` : `apis/${group}/${version}`;

/** Schema names as Kubernetes forms them: io.k8s.api.core.v1.Pod, reversed group for others. */
const schemaName = (t: ResourceType, version: string): string => {
  const prefix = t.group === '' ? 'io.k8s.api.core' : t.group.split('.').reverse().join('.');
  return `${prefix}.${version}.${t.kind}`;
};

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'];

// kubectl matches a PATCH operation to a kind by this extension, then looks for the parameter.
const operation = (id: string, ref: string, gvk: Json): JsonObject => ({
  operationId: id,
  'x-kubernetes-group-version-kind': gvk,
  parameters: QUERY_PARAMS.map((name) => ({
    name,
    in: 'query',
    schema: { type: 'string', uniqueItems: true },
  })),
  responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: ref } } } } },
});

const pathsFor = (t: ResourceType, version: string): Record<string, Json> => {
  const ref = `#/components/schemas/${schemaName(t, version)}`;
  const gvk = { group: t.group, version, kind: t.kind };
  const base = `/${gvPath(t.group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
  const out: Record<string, Json> = {
    [base]: { get: operation(`list${t.kind}`, ref, gvk), post: operation(`create${t.kind}`, ref, gvk) },
  };
  if (!t.virtual) {
    out[`${base}/{name}`] = {
      get: operation(`read${t.kind}`, ref, gvk),
      put: operation(`replace${t.kind}`, ref, gvk),
      patch: operation(`patch${t.kind}`, ref, gvk),
      delete: operation(`delete${t.kind}`, ref, gvk),
    };
  }
  return out;
};

const typesIn = (registry: ResourceRegistry, group: string, version: string): ResourceType[] =>
  registry.all().filter((t) => t.group === group && t.versions.includes(version));

export const openApiV3Doc = (
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined => {
  const types = typesIn(registry, group, version);
  if (types.length === 0) return undefined;
  const schemas: Record<string, Json> = {};
  for (const t of types) {
    schemas[schemaName(t, version)] = {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [{ group: t.group, version, kind: t.kind }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (weft stand-in)', version: 'v1.32.0' },
    paths: Object.assign({}, ...types.map((t) => pathsFor(t, version))) as Record<string, Json>,
    components: { schemas },
  };
};

export const openApiV3Index = (registry: ResourceRegistry): JsonObject => {
  const paths: Record<string, Json> = {};
  for (const [group, versions] of registry.groups()) {
    for (const v of versions) {
      const doc = JSON.stringify(openApiV3Doc(registry, group, v));
      const hash = createHash('sha256').update(doc).digest('hex').slice(0, 32).toUpperCase();
      paths[gvPath(group, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, v)}?hash=${hash}` };
    }
  }
  return { paths };
};

/** /openapi/v3[/api/v1 | /apis/<g>/<v>] → document, or undefined (404). */
export const openApiV3 = (registry: ResourceRegistry, segs: readonly string[]): JsonObject | undefined => {
  if (segs.length === 0) return openApiV3Index(registry);
  if (segs[0] === 'api' && segs.length === 2) return openApiV3Doc(registry, '', segs[1] as string);
  if (segs[0] === 'apis' && segs.length === 3)
    return openApiV3Doc(registry, segs[1] as string, segs[2] as string);
  return undefined;
};
