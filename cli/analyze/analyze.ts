// `weft analyze` without I/O: resources (parsed by the control plane's own parser) → every issue
// the control plane's compiler would log, plus the cross-object checks, as sorted Findings.
import type { ConfigIssue } from '../../api/model/result.ts';
import { buildModel } from '../../control-plane/index/build-model.ts';
import type { SourcedResource } from '../../control-plane/sources/types.ts';
import type { Check } from './context.ts';
import {
  splitBackendsWithoutEndpoints,
  trafficTargetsDenyingAll,
  trafficTargetsTargetingNothing,
} from './endpoint-checks.ts';
import { byPlace, fromIssue, type Finding } from './finding.ts';
import type { RawObject } from './load-files.ts';
import { duplicateGroupMatches, faultsWithoutEnd, shadowedPolicyRoutes } from './route-checks.ts';
import { workloadsOf, type Workload } from './workloads.ts';

export const CHECKS: readonly Check[] = [
  splitBackendsWithoutEndpoints,
  trafficTargetsDenyingAll,
  trafficTargetsTargetingNothing,
  faultsWithoutEnd,
  shadowedPolicyRoutes,
  duplicateGroupMatches,
];

export interface AnalysisInput {
  readonly resources: readonly SourcedResource[];
  /** Issues found while reading (YAML syntax, schema). */
  readonly issues: readonly ConfigIssue[];
  readonly raw: readonly RawObject[];
  readonly workloads?: readonly Workload[];
  readonly defaultNamespace: string;
  readonly clusterDomain: string;
}

export const analyze = (input: AnalysisInput): Finding[] => {
  const { model, issues } = buildModel(input.resources, {
    clusterDomain: input.clusterDomain,
    localEndpoints: [],
    // Offline there is no "first seen": a fault's end time does not change any finding.
    firstSeen: () => 0,
  });
  const ctx = {
    resources: input.resources,
    raw: input.raw,
    model,
    workloads: [...workloadsOf(input.raw, input.defaultNamespace), ...(input.workloads ?? [])],
    defaultNamespace: input.defaultNamespace,
  };
  return [...[...input.issues, ...issues].map(fromIssue), ...CHECKS.flatMap((c) => c(ctx))].sort(byPlace);
};
