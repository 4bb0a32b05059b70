// Picks the resources of one kind out of the source's list and drops duplicates (same kind,
// namespace and name in two places): the first by origin wins, the others are reported.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { MeshResource } from '../../api/schema/resources.ts';
import type { SourcedResource } from '../sources/types.ts';
import { where } from './model.ts';

export type Sourced<R extends MeshResource> = SourcedResource & { readonly resource: R };

export const keyOf = (r: { meta: { namespace: string; name: string } }): string =>
  `${r.meta.namespace}/${r.meta.name}`;

export const ofKind = <K extends MeshResource['kind']>(
  all: readonly SourcedResource[],
  kind: K,
  issues: ConfigIssue[],
): Map<string, Sourced<Extract<MeshResource, { kind: K }>>> => {
  const out = new Map<string, Sourced<Extract<MeshResource, { kind: K }>>>();
  const mine = all.filter((s): s is Sourced<Extract<MeshResource, { kind: K }>> => s.resource.kind === kind);
  for (const s of [...mine].sort((a, b) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0))) {
    const key = keyOf(s.resource);
    const first = out.get(key);
    if (first)
      issues.push({
        path: where(s),
        message: `is also defined in ${first.origin}: remove one copy (this one is ignored)`,
      });
    else out.set(key, s);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};
