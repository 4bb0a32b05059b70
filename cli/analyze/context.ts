// What every cross-object check of `weft analyze` reads: the parsed resources, the model the
// control plane compiled from them, and the workloads found beside them.
import type { MeshModel } from '../../control-plane/index/model.ts';
import type { SourcedResource } from '../../control-plane/sources/types.ts';
import type { Finding } from './finding.ts';
import type { RawObject } from './load-files.ts';
import type { Workload } from './workloads.ts';

export interface AnalysisContext {
  readonly resources: readonly SourcedResource[];
  readonly raw: readonly RawObject[];
  readonly model: MeshModel;
  readonly workloads: readonly Workload[];
  readonly defaultNamespace: string;
}

export type Check = (ctx: AnalysisContext) => Finding[];

/** The resources of one kind, narrowed. */
export const resourcesOf = <K extends SourcedResource['resource']['kind']>(
  ctx: AnalysisContext,
  kind: K,
): (SourcedResource & { resource: Extract<SourcedResource['resource'], { kind: K }> })[] =>
  ctx.resources.filter(
    (r): r is SourcedResource & { resource: Extract<SourcedResource['resource'], { kind: K }> } =>
      r.resource.kind === kind,
  );
