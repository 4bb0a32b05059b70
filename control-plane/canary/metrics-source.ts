// Where a Canary's window figures come from. A window is opened at its start and measured at its
// end; both sources report the backends as the Service's callers saw them (direction="outbound").
import type { BackendFigures, WindowFigures } from './analysis.ts';

/** `namespace/name` of the split Service and of its two backends, as the metrics label them. */
export interface BackendPair {
  readonly service: string;
  readonly stable: string;
  readonly canary: string;
}

export type MeasureWindow = () => Promise<WindowFigures>;
export type MeasureServiceWindow = () => Promise<BackendFigures>;

export interface MetricsSource {
  /** What the source reads, for logs and /status. */
  readonly describe: string;
  /** Starts a window now; the returned function measures it when called at the window's end. */
  openWindow(pair: BackendPair, windowMs: number): Promise<MeasureWindow>;
  /** The same for a whole Service (`namespace/name`), every backend together (FaultInjection abortIf). */
  openServiceWindow(service: string, windowMs: number): Promise<MeasureServiceWindow>;
}

export const NO_FIGURES: BackendFigures = { requests: 0, successRate: null, p99Ms: null };
