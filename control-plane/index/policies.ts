// TrafficPolicy and FaultInjection → the policy views of api/model/policy.ts on their target
// Service, defaults applied. One TrafficPolicy per Service; any number of faults.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { FaultView, TrafficPolicyView } from '../../api/model/policy.ts';
import type { ServiceView } from '../../api/model/snapshot.ts';
import { contentHash } from '../../api/convert/stable-json.ts';
import type { FaultInjectionResource } from '../../api/schema/resources.ts';
import type { SourcedResource } from '../sources/types.ts';
import { where } from './model.ts';
import { connectionView, FAULT_PERCENT_DEFAULT, rulesView } from './policy-defaults.ts';
import { keyOf, ofKind } from './select.ts';

const targetOf = (
  s: SourcedResource & { resource: { meta: { namespace: string }; spec: { targetRef: { name: string } } } },
  services: ReadonlyMap<string, ServiceView>,
  issues: ConfigIssue[],
): ServiceView | undefined => {
  const key = `${s.resource.meta.namespace}/${s.resource.spec.targetRef.name}`;
  const target = services.get(key);
  if (!target)
    issues.push({
      path: `${where(s)}: spec.targetRef.name`,
      message: `no Service ${key} is defined: this policy applies to nothing`,
    });
  return target;
};

export const attachPolicies = (
  all: readonly SourcedResource[],
  services: Map<string, ServiceView>,
  issues: ConfigIssue[],
): void => {
  for (const s of ofKind(all, 'TrafficPolicy', issues).values()) {
    const target = targetOf(s, services, issues);
    if (!target) continue;
    if (target.policy) {
      issues.push({
        path: `${where(s)}: spec.targetRef`,
        message: `Service ${target.namespace}/${target.name} already has TrafficPolicy ${target.policy.name}: merge the two (this one is ignored)`,
      });
      continue;
    }
    const { spec } = s.resource;
    const policy: TrafficPolicyView = {
      name: keyOf(s.resource),
      ...rulesView(spec),
      ...connectionView(spec),
      ...(spec.routes
        ? {
            routes: spec.routes.map((r) => ({
              match: r.name ? { ...r.match, name: r.name } : r.match,
              rules: rulesView(r),
            })),
          }
        : {}),
    };
    services.set(`${target.namespace}/${target.name}`, { ...target, policy });
  }
};

/** The identity of one version of a fault: its generation, or its content when generation is absent (files). */
export const faultVersionKey = (f: FaultInjectionResource): string =>
  `${keyOf(f)}@${f.meta.generation ?? contentHash(f.spec)}`;

const faultView = (f: FaultInjectionResource, firstSeen: (key: string) => number): FaultView => {
  const { spec, meta } = f;
  return {
    name: keyOf(f),
    ...(spec.match ? { match: spec.match } : {}),
    ...(spec.sources
      ? { sources: spec.sources.map((s) => `${s.namespace ?? meta.namespace}/${s.name}`) }
      : {}),
    ...(spec.delay
      ? { delay: { fixedMs: spec.delay.fixed, percent: spec.delay.percent ?? FAULT_PERCENT_DEFAULT } }
      : {}),
    ...(spec.abort
      ? {
          abort: {
            ...(spec.abort.httpStatus !== undefined ? { httpStatus: spec.abort.httpStatus } : {}),
            ...(spec.abort.grpcStatus !== undefined ? { grpcStatus: spec.abort.grpcStatus } : {}),
            percent: spec.abort.percent ?? FAULT_PERCENT_DEFAULT,
          },
        }
      : {}),
    ...(spec.duration !== undefined ? { endsAtMs: firstSeen(faultVersionKey(f)) + spec.duration } : {}),
  };
};

export const attachFaults = (
  all: readonly SourcedResource[],
  services: Map<string, ServiceView>,
  firstSeen: (key: string) => number,
  issues: ConfigIssue[],
): void => {
  for (const s of ofKind(all, 'FaultInjection', issues).values()) {
    const target = targetOf(s, services, issues);
    if (!target) continue;
    const faults = [...(target.faults ?? []), faultView(s.resource, firstSeen)];
    services.set(`${target.namespace}/${target.name}`, { ...target, faults });
  }
};
