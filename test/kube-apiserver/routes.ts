// URL → what is being addressed. Resource paths follow the real layout:
//   /api/v1[/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]
//   /apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]
// `/api/v1/namespaces/<name>/status` is the Namespace's own subresource, not a namespaced kind.
import type { ResourceRegistry, ResourceType } from './resource-types.ts';

export type Route =
  | { readonly kind: 'root' | 'api' | 'apis' | 'version' | 'health' }
  | { readonly kind: 'openapi'; readonly version: string; readonly rest: readonly string[] }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'groupVersion'; readonly group: string; readonly version: string }
  | {
      readonly kind: 'resource';
      readonly type: ResourceType;
      readonly version: string;
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      readonly subresource: string | undefined;
    }
  | {
      readonly kind: 'unknownResource';
      readonly group: string;
      readonly version: string;
      readonly plural: string;
    }
  | { readonly kind: 'notFound' };

const STATIC: Readonly<Record<string, Route['kind']>> = {
  '': 'root',
  api: 'api',
  apis: 'apis',
  version: 'version',
  healthz: 'health',
  livez: 'health',
  readyz: 'health',
};

const resourceRoute = (registry: ResourceRegistry, group: string, version: string, segs: string[]): Route => {
  let namespace: string | undefined;
  let rest = segs;
  const nsScoped = segs[0] === 'namespaces' && segs.length >= 3;
  if (nsScoped && registry.lookup(group, version, segs[2] as string)) {
    namespace = segs[1];
    rest = segs.slice(2);
  }
  const plural = rest[0] as string;
  const type = registry.lookup(group, version, plural);
  // A cluster-scoped kind under /namespaces/<ns>/ does not exist, as on the real server.
  if (!type || rest.length > 3 || (namespace !== undefined && !type.namespaced)) {
    return { kind: 'unknownResource', group, version, plural };
  }
  return { kind: 'resource', type, version, namespace, name: rest[1], subresource: rest[2] };
};

export const parseRoute = (registry: ResourceRegistry, pathname: string): Route => {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const first = segs[0] ?? '';
  if (first === 'openapi') return { kind: 'openapi', version: segs[1] ?? '', rest: segs.slice(2) };
  if (segs.length <= 1 && STATIC[first]) return { kind: STATIC[first] } as Route;
  if (first === 'api') {
    if (segs[1] !== 'v1') return { kind: 'notFound' };
    if (segs.length === 2) return { kind: 'groupVersion', group: '', version: 'v1' };
    return resourceRoute(registry, '', 'v1', segs.slice(2));
  }
  if (first === 'apis' && segs[1]) {
    if (segs.length === 2) return { kind: 'group', group: segs[1] };
    if (segs.length === 3) return { kind: 'groupVersion', group: segs[1], version: segs[2] as string };
    return resourceRoute(registry, segs[1], segs[2] as string, segs.slice(3));
  }
  return { kind: 'notFound' };
};
