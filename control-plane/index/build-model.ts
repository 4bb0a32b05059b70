// Pure: the source's resources (+ connected sidecars) → MeshModel and every cross-object
// issue (unknown services, port mismatches, duplicates). No I/O, no clock: firstSeen is given.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { SourcedResource } from '../sources/types.ts';
import { indexEndpoints } from './endpoints.ts';
import type { BuildOptions, MeshModel } from './model.ts';
import { attachFaults, attachPolicies } from './policies.ts';
import { compileServices } from './services.ts';
import { attachSplits } from './splits.ts';

export interface BuiltModel {
  readonly model: MeshModel;
  readonly issues: readonly ConfigIssue[];
}

export const buildModel = (resources: readonly SourcedResource[], opts: BuildOptions): BuiltModel => {
  const issues: ConfigIssue[] = [];
  const endpoints = indexEndpoints(resources, opts.localEndpoints, issues);
  const services = compileServices(resources, endpoints, opts.clusterDomain, issues);
  for (const l of opts.localEndpoints) {
    if (!services.has(`${l.namespace}/${l.service}`))
      issues.push({
        path: `sidecar ${l.namespace}/${l.workload}: node.service`,
        message: `no Service ${l.namespace}/${l.service} is defined: add one to the configuration so callers can reach this workload`,
      });
  }
  attachSplits(resources, services, opts.clusterDomain, issues);
  attachPolicies(resources, services, issues);
  attachFaults(resources, services, opts.firstSeen, issues);
  return { model: { services }, issues };
};
