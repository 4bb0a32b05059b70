// Feeds the dashboard in local mode: every `intervalMs` it scrapes the sidecars of a running
// `weft dev` (state.json), reads the current snapshot's splits from one sidecar's admin /config
// and the fault experiments from the control plane's /status, and keeps the latest model.
import type { SplitView } from '../../api/model/snapshot.ts';
import { type DevState, sidecarsOf, type WorkloadState } from '../mesh-view/dev-state.ts';
import { statRows } from '../mesh-view/figures.ts';
import type { Sample } from '../mesh-view/prom-text.ts';
import { scrapeMetrics } from '../mesh-view/scrape.ts';
import { History, type HistoryPoint } from './history.ts';
import { dashboardModel, type DashboardState, type FaultState } from './model.ts';

/** How far back the page's charts reach. */
export const CHART_WINDOW_MS = 5 * 60_000;

export interface Collector {
  latest(): DashboardState | undefined;
  history(): readonly HistoryPoint[];
  stop(): void;
}

const getJson = async <T>(url: string): Promise<T | undefined> => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
};

const splitsOf = async (adminPort: number): Promise<Record<string, SplitView>> => {
  const config = await getJson<{ snapshot: { services: Record<string, { split?: SplitView }> } | null }>(
    `http://127.0.0.1:${adminPort}/config`,
  );
  const splits: Record<string, SplitView> = {};
  for (const [name, s] of Object.entries(config?.snapshot?.services ?? {}))
    if (s.split) splits[name] = s.split;
  return splits;
};

/** A sidecar's node in the graph: its service (`namespace/name` as callers name it) or its workload. */
const nodeOf = (w: WorkloadState, known: ReadonlySet<string>): string =>
  [...known].find((k) => w.service !== null && k.split('/').pop() === w.service) ?? w.name;

export const startCollector = (state: DevState, intervalMs: number): Collector => {
  const sidecars = sidecarsOf(state);
  const ports = sidecars.map((w) => w.metricsPort);
  let before: { at: number; scrapes: Sample[][] } | undefined;
  let latest: DashboardState | undefined;
  const history = new History(Math.ceil(CHART_WINDOW_MS / intervalMs));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    const after = { at: performance.now(), scrapes: await scrapeMetrics(ports) };
    const [splits, status] = await Promise.all([
      splitsOf((state.loadGenerator ?? sidecars[0])?.adminPort ?? 0),
      getJson<{ faults?: FaultState[] }>(`http://${state.controlPlane.adminAddress}/status`),
    ]);
    if (before) {
      const seconds = (after.at - before.at) / 1000;
      const perSource = sidecars.map((w, i) => ({
        w,
        rows: statRows([before?.scrapes[i] ?? []], [after.scrapes[i] ?? []], seconds),
      }));
      const known = new Set(perSource.flatMap((s) => s.rows.flatMap((r) => [r.service, r.name])));
      latest = dashboardModel({
        at: new Date().toISOString(),
        mesh: statRows(before.scrapes, after.scrapes, seconds),
        sources: perSource.map((s) => ({ node: nodeOf(s.w, known), rows: s.rows })),
        splits,
        faults: status?.faults ?? [],
      });
      history.add(latest);
    }
    before = after;
  };
  const loop = async (): Promise<void> => {
    await tick().catch(() => undefined);
    if (!stopped) timer = setTimeout(() => void loop(), intervalMs);
  };
  void loop();
  return {
    latest: () => latest,
    history: () => history.points(),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
};
