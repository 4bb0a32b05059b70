// Edges (env, wire, Kubernetes objects, YAML files) parse into Result and report every problem
// at once, each with the path of the offending field.
export interface ConfigIssue {
  /** Where: "examples/local/split.yaml: TrafficSplit demo/catalog: spec.backends[1].weight" */
  readonly path: string;
  /** What is wrong and how to fix it: "must be a whole number ≥ 0 (got -5)" */
  readonly message: string;
}

export type Result<T, E = readonly ConfigIssue[]> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

export const formatIssues = (issues: readonly ConfigIssue[]): string =>
  issues.map((i) => `${i.path}: ${i.message}`).join('\n');
