// The resources a Canary moves weights through, one entry per kind (spec.trafficRef.kind):
// each says whether the named object can carry the canary and how to rewrite its weights.
// TrafficSplit is the first; an HTTPRoute entry plugs in here once Gateway API routes are parsed.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { CanaryResource, MeshResource } from '../../api/schema/resources.ts';
import type { SourcedResource } from '../sources/types.ts';

export interface CanaryWeights {
  readonly stableBackend: string;
  readonly canaryBackend: string;
  readonly stable: number;
  readonly canary: number;
}

export interface TrafficTargetKind {
  /** Problems that keep this canary off the named object (field paths relative to the Canary). */
  check(
    canary: CanaryResource,
    target: MeshResource | undefined,
  ): readonly { field: string; message: string }[];
  /** The object with the canary's weights written in; other objects come back unchanged. */
  withWeights(resource: MeshResource, weights: CanaryWeights): MeshResource;
}

const trafficSplit: TrafficTargetKind = {
  check(canary, target) {
    const { trafficRef, targetRef, stableBackend, canaryBackend } = canary.spec;
    if (target?.kind !== 'TrafficSplit')
      return [
        {
          field: 'spec.trafficRef.name',
          message: `no TrafficSplit ${canary.meta.namespace}/${trafficRef.name}: the Service ${targetRef.name} is neither split nor routed; create the TrafficSplit or fix the name`,
        },
      ];
    const out: { field: string; message: string }[] = [];
    if (target.spec.service.split('.')[0] !== targetRef.name)
      out.push({
        field: 'spec.targetRef.name',
        message: `the TrafficSplit ${trafficRef.name} splits ${target.spec.service}, not ${targetRef.name}`,
      });
    const names = target.spec.backends.map((b) => b.service).sort();
    const wanted = [stableBackend, canaryBackend].sort();
    if (names.join('\n') !== wanted.join('\n'))
      out.push({
        field: 'spec.trafficRef',
        message: `the TrafficSplit’s backends (${names.join(', ')}) must be exactly the stableBackend and the canaryBackend, so the canary’s percents add up to 100`,
      });
    return out;
  },
  withWeights(resource, w) {
    if (resource.kind !== 'TrafficSplit') return resource;
    const weightOf = (service: string): number =>
      service === w.canaryBackend ? w.canary : service === w.stableBackend ? w.stable : 0;
    const backends = resource.spec.backends.map((b) => ({ service: b.service, weight: weightOf(b.service) }));
    return { ...resource, spec: { ...resource.spec, backends } };
  },
};

export const TRAFFIC_TARGET_KINDS: Readonly<
  Record<CanaryResource['spec']['trafficRef']['kind'], TrafficTargetKind>
> = { TrafficSplit: trafficSplit };

/** `Kind namespace/name` of the object a Canary moves. */
export const trafficKeyOf = (c: CanaryResource): string =>
  `${c.spec.trafficRef.kind} ${c.meta.namespace}/${c.spec.trafficRef.name}`;

/**
 * The configuration with every controlled object's weights replaced (local mode's overlay: the
 * user's YAML stays as written; the compiled model carries the controller's weights).
 */
export const overlayWeights = (
  resources: readonly SourcedResource[],
  weights: ReadonlyMap<string, CanaryWeights>,
): SourcedResource[] =>
  resources.map((s) => {
    const r = s.resource;
    const w = weights.get(`${r.kind} ${r.meta.namespace}/${r.meta.name}`);
    const kind = TRAFFIC_TARGET_KINDS[r.kind as keyof typeof TRAFFIC_TARGET_KINDS];
    return w && kind ? { ...s, resource: kind.withWeights(r, w) } : s;
  });

export type { ConfigIssue };
