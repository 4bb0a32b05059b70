// What the dashboard page shows, pure: the service graph (who calls which service, with live
// requests/s, success rate and p99 per edge, and each split service's backends), every
// TrafficSplit with its configured weights and observed shares, and the fault experiments.
import type { SplitView } from '../../api/model/snapshot.ts';
import type { StatRow } from '../mesh-view/figures.ts';

export interface Edge {
  readonly from: string;
  readonly to: string;
  /** call: a workload calling a service; split: a split service sending to its backend. */
  readonly kind: 'call' | 'split';
  readonly rps: number;
  readonly success: number | null;
  readonly p99: number | null;
}

export interface SplitState {
  readonly service: string;
  readonly name: string;
  readonly backends: readonly {
    readonly service: string;
    readonly weight: number;
    /** weight / sum of weights */
    readonly weightShare: number;
    /** observed part of the service's requests in the last interval; null without traffic */
    readonly observedShare: number | null;
  }[];
}

export interface FaultState {
  readonly name: string;
  readonly target: string;
  readonly state: string;
  readonly startTime?: string;
  readonly endTime?: string;
}

/** A destination service as all its callers together saw it over the last interval. */
export interface ServiceFigures {
  readonly name: string;
  readonly rps: number;
  readonly success: number | null;
  readonly p99: number | null;
}

export interface DashboardState {
  readonly at: string;
  readonly services: readonly ServiceFigures[];
  readonly nodes: readonly string[];
  readonly edges: readonly Edge[];
  readonly splits: readonly SplitState[];
  readonly faults: readonly FaultState[];
}

export interface DashboardInput {
  readonly at: string;
  /** Per sidecar: the node it speaks for and its outbound figures over the last interval. */
  readonly sources: readonly { readonly node: string; readonly rows: readonly StatRow[] }[];
  /** The figures of every sidecar's scrapes taken together (exact quantiles per service). */
  readonly mesh: readonly StatRow[];
  /** Split services of the current snapshot (`namespace/name` → split). */
  readonly splits: Readonly<Record<string, SplitView>>;
  readonly faults: readonly FaultState[];
}

const splitState = (service: string, split: SplitView, backendRows: readonly StatRow[]): SplitState => {
  const total = split.backends.reduce((n, b) => n + b.weight, 0);
  const rps = (b: string): number =>
    backendRows.filter((r) => r.service === service && r.name === b).reduce((n, r) => n + r.rps, 0);
  const observedTotal = split.backends.reduce((n, b) => n + rps(b.service), 0);
  return {
    service,
    name: split.name,
    backends: split.backends.map((b) => ({
      service: b.service,
      weight: b.weight,
      weightShare: total > 0 ? b.weight / total : 0,
      observedShare: observedTotal > 0 ? rps(b.service) / observedTotal : null,
    })),
  };
};

export const dashboardModel = (input: DashboardInput): DashboardState => {
  const edges: Edge[] = [];
  const backendRows: StatRow[] = [];
  for (const { node, rows } of input.sources) {
    for (const r of rows) {
      if (r.kind === 'backend') backendRows.push(r);
      else
        edges.push({ from: node, to: r.service, kind: 'call', rps: r.rps, success: r.success, p99: r.p99 });
    }
  }
  // Backend edges summed over every caller of the split service; success and p99 are the
  // callers' figures weighted by their request rates (for p99 an approximation: quantiles do not add).
  const byBackend = new Map<string, StatRow[]>();
  for (const r of backendRows.filter((b) => b.name !== b.service)) {
    const key = `${r.service}\n${r.name}`;
    byBackend.set(key, [...(byBackend.get(key) ?? []), r]);
  }
  for (const [key, rows] of byBackend) {
    const [from, to] = key.split('\n') as [string, string];
    const rps = rows.reduce((n, r) => n + r.rps, 0);
    const weighted = (f: (r: StatRow) => number | null): number | null => {
      const known = rows.filter((r) => f(r) !== null && r.rps > 0);
      const w = known.reduce((n, r) => n + r.rps, 0);
      return w > 0 ? known.reduce((n, r) => n + (f(r) as number) * r.rps, 0) / w : null;
    };
    edges.push({
      from,
      to,
      kind: 'split',
      rps,
      success: weighted((r) => r.success),
      p99: weighted((r) => r.p99),
    });
  }
  const splits = Object.entries(input.splits).map(([service, split]) =>
    splitState(service, split, backendRows),
  );
  const nodes = new Set<string>();
  for (const e of edges) nodes.add(e.from).add(e.to);
  for (const s of splits) for (const b of s.backends) nodes.add(s.service).add(b.service);
  const services = input.mesh
    .filter((r) => r.kind === 'service')
    .map((r) => ({ name: r.name, rps: r.rps, success: r.success, p99: r.p99 }));
  return { at: input.at, services, nodes: [...nodes].sort(), edges, splits, faults: input.faults };
};
