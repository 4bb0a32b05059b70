// Request counts and latency percentiles for one name (a service or a backend).
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface FlowSummary {
  service: string;
  requests: number;
  success: number;
  p50_ms: number;
  p99_ms: number;
}

export class LatencyStats {
  requests = 0;
  success = 0;
  // An HDR histogram in microseconds: constant memory and O(1) record and percentile, so the
  // summary drawn every second does not sort every sample on the load generator's event loop.
  private readonly micros: RecordableHistogram = createHistogram();
  record(latencyMs: number, ok: boolean): void {
    this.requests++;
    if (ok) this.success++;
    this.micros.record(Math.max(1, Math.round(latencyMs * 1000)));
  }
  quantile(q: number): number {
    return this.micros.count === 0 ? 0 : this.micros.percentile(q * 100) / 1000;
  }
  summary(service: string): FlowSummary {
    return {
      service,
      requests: this.requests,
      success: this.success,
      p50_ms: round(this.quantile(0.5)),
      p99_ms: round(this.quantile(0.99)),
    };
  }
}

export const round = (x: number): number => Math.round(x * 1000) / 1000;
