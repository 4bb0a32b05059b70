// Request counts and latency percentiles for one name (a service or a backend).
export interface FlowSummary {
  service: string;
  requests: number;
  success: number;
  p50_ms: number;
  p99_ms: number;
}

const MAX_SAMPLES = 1_000_000;

export class LatencyStats {
  requests = 0;
  success = 0;
  private samples: number[] = [];
  private readonly random: () => number;
  constructor(random: () => number = Math.random) {
    this.random = random;
  }
  record(latencyMs: number, ok: boolean): void {
    this.requests++;
    if (ok) this.success++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(latencyMs);
    else {
      // reservoir sampling keeps the percentiles unbiased once the cap is reached
      const slot = Math.floor(this.random() * this.requests);
      if (slot < MAX_SAMPLES) this.samples[slot] = latencyMs;
    }
  }
  quantile(q: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
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
