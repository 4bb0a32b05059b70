// The Pod fields the injector reads, checked for their JSON type before injectPod trusts the
// object (found by injector/admission.property.test.ts: `spec.volumes: false` was a 500). The API
// server only sends well-formed Pods; anything else calling the webhook gets a clear 400.
import { isJsonObject } from './json.ts';

const listOfObjects = (v: unknown): boolean => Array.isArray(v) && v.every(isJsonObject);
const optional = (v: unknown, ok: (x: unknown) => boolean): boolean => v === undefined || ok(v);
const stringMap = (v: unknown): boolean =>
  isJsonObject(v) && Object.values(v).every((x) => typeof x === 'string');

const containerIssue = (c: Record<string, unknown>, at: string): string | undefined => {
  if (typeof c['name'] !== 'string') return `${at}.name: expected text`;
  if (!optional(c['ports'], listOfObjects)) return `${at}.ports: expected a list of objects`;
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'])
    if (!optional(c[probe], isJsonObject)) return `${at}.${probe}: expected an object`;
  if (!optional(c['securityContext'], isJsonObject)) return `${at}.securityContext: expected an object`;
  if (!optional(c['env'], listOfObjects)) return `${at}.env: expected a list of objects`;
  return undefined;
};

/** Where `pod` does not have the shape of a Pod (first problem only), or undefined. */
export const podShapeIssue = (pod: Record<string, unknown>): string | undefined => {
  const md = pod['metadata'];
  if (!optional(md, isJsonObject)) return 'metadata: expected an object';
  if (isJsonObject(md))
    for (const f of ['annotations', 'labels'])
      if (!optional(md[f], stringMap)) return `metadata.${f}: expected a map of text`;
  const spec = pod['spec'];
  if (!optional(spec, isJsonObject)) return 'spec: expected an object';
  if (!isJsonObject(spec)) return undefined;
  for (const f of ['containers', 'initContainers', 'volumes'])
    if (!optional(spec[f], listOfObjects)) return `spec.${f}: expected a list of objects`;
  for (const f of ['containers', 'initContainers'] as const) {
    const list = (spec[f] ?? []) as Record<string, unknown>[];
    for (const [i, c] of list.entries()) {
      const issue = containerIssue(c, `spec.${f}[${i}]`);
      if (issue) return issue;
    }
  }
  return undefined;
};
