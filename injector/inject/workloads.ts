// Where each workload kind keeps its pod template: the registry `weft inject` consults for every
// YAML document (a List's items are looked up one by one). Unknown kinds pass through unchanged.
const POD_TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Pod', []],
  ['Deployment', ['spec', 'template']],
  ['StatefulSet', ['spec', 'template']],
  ['DaemonSet', ['spec', 'template']],
  ['ReplicaSet', ['spec', 'template']],
  ['ReplicationController', ['spec', 'template']],
  ['Job', ['spec', 'template']],
  ['CronJob', ['spec', 'jobTemplate', 'spec', 'template']],
]);

/** Path from the object's root to its pod template ([] for a Pod), or undefined for other kinds. */
export const podTemplatePath = (kind: unknown): readonly string[] | undefined =>
  typeof kind === 'string' ? POD_TEMPLATE_PATHS.get(kind) : undefined;

export const workloadKinds = (): string[] => [...POD_TEMPLATE_PATHS.keys()];
