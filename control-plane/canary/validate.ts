// Cross-object checks of every Canary, pure: its traffic object can carry it, one Canary per
// Service, and windows no shorter than the metrics scrape. A refused Canary gets issues naming
// its fields and is not run, so the traffic stays as it was.
import type { ConfigIssue } from '../../api/model/result.ts';
import type { CanaryResource, MeshResource } from '../../api/schema/resources.ts';
import { ofKind, type Sourced } from '../index/select.ts';
import { where } from '../index/model.ts';
import type { SourcedResource } from '../sources/types.ts';
import { TRAFFIC_TARGET_KINDS } from './traffic-target.ts';

export interface CanaryChecks {
  readonly accepted: readonly Sourced<CanaryResource>[];
  readonly issues: readonly ConfigIssue[];
  /** `namespace/name` of each refused Canary → its issues (for its status). */
  readonly refused: ReadonlyMap<string, readonly ConfigIssue[]>;
}

const fmtMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** `running`: Canaries that already have a rollout keep their Service over a newcomer. */
export const checkCanaries = (
  resources: readonly SourcedResource[],
  o: { readonly scrapeIntervalMs: number; readonly running: ReadonlySet<string> },
): CanaryChecks => {
  const issues: ConfigIssue[] = [];
  const canaries = ofKind(resources, 'Canary', issues);
  const byKey = new Map<string, MeshResource>();
  for (const s of resources)
    byKey.set(`${s.resource.kind} ${s.resource.meta.namespace}/${s.resource.meta.name}`, s.resource);
  const refused = new Map<string, ConfigIssue[]>();
  const refuse = (key: string, s: Sourced<CanaryResource>, field: string, message: string): void => {
    const issue = { path: `${where(s)}: ${field}`, message };
    issues.push(issue);
    refused.set(key, [...(refused.get(key) ?? []), issue]);
  };
  // Running rollouts first, then by name: the first Canary of a Service keeps it.
  const ordered = [...canaries].sort(
    ([a], [b]) => Number(o.running.has(b)) - Number(o.running.has(a)) || (a < b ? -1 : 1),
  );
  const owner = new Map<string, string>();
  for (const [key, s] of ordered) {
    const c = s.resource;
    const service = `${c.meta.namespace}/${c.spec.targetRef.name}`;
    const first = owner.get(service);
    if (first)
      refuse(
        key,
        s,
        'spec.targetRef',
        `the Service ${service} already has the Canary ${first}: one Canary per Service; delete one`,
      );
    else owner.set(service, key);
    const ref = c.spec.trafficRef;
    for (const p of TRAFFIC_TARGET_KINDS[ref.kind].check(
      c,
      byKey.get(`${ref.kind} ${c.meta.namespace}/${ref.name}`),
    ))
      refuse(key, s, p.field, p.message);
    if (c.spec.analysis.interval < o.scrapeIntervalMs)
      refuse(
        key,
        s,
        'spec.analysis.interval',
        `is shorter than the metrics scrape interval ${fmtMs(o.scrapeIntervalMs)}: a window would see no new figures; use at least ${fmtMs(o.scrapeIntervalMs)}`,
      );
  }
  const accepted = [...canaries].filter(([key]) => !refused.has(key)).map(([, s]) => s);
  return { accepted, issues, refused };
};
