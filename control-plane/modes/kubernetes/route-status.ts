// Gateway API route status on the object: `status.parents[]` entries of weft's controller
// (weft.io/mesh) replaced by the ones the last compile computed, entries of other controllers (an
// ingress controller's Gateways) kept as they are. Pure; the status writer sends the patch.
import type { JsonObject } from '../../sources/kube/kube-http.ts';
import { CONTROLLER_NAME, type RouteCondition, type RouteStatus } from '../../index/gateway-status.ts';

interface WrittenCondition extends RouteCondition {
  readonly lastTransitionTime: string;
}

interface WrittenParent {
  readonly parentRef: unknown;
  readonly controllerName: string;
  readonly conditions?: readonly WrittenCondition[];
}

export const ROUTE_PLURALS: Readonly<Record<string, string>> = {
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
};

const comparable = (parents: readonly WrittenParent[]) =>
  JSON.stringify(
    parents.map((p) => ({
      parentRef: p.parentRef,
      conditions: (p.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c),
    })),
  );

/**
 * The merge-patch body for `obj`'s status subresource, or undefined when weft's entries already
 * say the same. A condition keeps its lastTransitionTime while its status stays the same; the
 * object's resourceVersion rides along so a concurrent writer's change is not overwritten (409).
 */
export const routeStatusPatch = (obj: JsonObject, ours: RouteStatus, now: string): JsonObject | undefined => {
  const existing = ((obj.status as { parents?: WrittenParent[] } | undefined)?.parents ?? []).filter(
    (p) => typeof p === 'object' && p !== null,
  );
  const mine = existing.filter((p) => p.controllerName === CONTROLLER_NAME);
  const others = existing.filter((p) => p.controllerName !== CONTROLLER_NAME);
  const previous = (type: string, ref: unknown) =>
    mine
      .find((p) => JSON.stringify(p.parentRef) === JSON.stringify(ref))
      ?.conditions?.find((c) => c.type === type);
  const next: WrittenParent[] = ours.parents.map((p) => ({
    parentRef: p.parentRef,
    controllerName: CONTROLLER_NAME,
    conditions: p.conditions.map((c) => {
      const before = previous(c.type, p.parentRef);
      return { ...c, lastTransitionTime: before?.status === c.status ? before.lastTransitionTime : now };
    }),
  }));
  if (comparable(next) === comparable(mine)) return undefined;
  const md = obj.metadata as { resourceVersion?: string } | undefined;
  return {
    ...(md?.resourceVersion ? { metadata: { resourceVersion: md.resourceVersion } } : {}),
    status: { parents: [...others, ...next] },
  } as JsonObject;
};
