// The dashboard's memory: the figures of the last few minutes, one point per collector interval,
// so the page can draw small time-series charts per service, per edge and per split backend.
// Only numbers are kept (no whole states) and the oldest point goes when the window is full.
import type { DashboardState } from './model.ts';

export interface Figures {
  readonly rps: number;
  readonly success: number | null;
  readonly p99: number | null;
}

export interface HistoryPoint {
  readonly at: string;
  /** By service name. */
  readonly services: Readonly<Record<string, Figures>>;
  /** By `from → to`. */
  readonly edges: Readonly<Record<string, Figures>>;
  /** By `service → backend`: observed share (null without traffic) and configured share. */
  readonly backends: Readonly<Record<string, { readonly observed: number | null; readonly weight: number }>>;
}

export const edgeKey = (from: string, to: string): string => `${from} → ${to}`;

const figures = (f: Figures): Figures => ({ rps: f.rps, success: f.success, p99: f.p99 });

export const historyPoint = (state: DashboardState): HistoryPoint => ({
  at: state.at,
  services: Object.fromEntries(state.services.map((s) => [s.name, figures(s)])),
  edges: Object.fromEntries(state.edges.map((e) => [edgeKey(e.from, e.to), figures(e)])),
  backends: Object.fromEntries(
    state.splits.flatMap((s) =>
      s.backends.map((b) => [
        edgeKey(s.service, b.service),
        { observed: b.observedShare, weight: b.weightShare },
      ]),
    ),
  ),
});

export class History {
  private readonly kept: HistoryPoint[] = [];
  private readonly capacity: number;
  /** `capacity` points: the chart window divided by the collector interval. */
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  add(state: DashboardState): void {
    this.kept.push(historyPoint(state));
    if (this.kept.length > this.capacity) this.kept.splice(0, this.kept.length - this.capacity);
  }
  points(): readonly HistoryPoint[] {
    return this.kept;
  }
}
