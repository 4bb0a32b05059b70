// Builds the control plane's Canary controller from its options: the metrics source (Prometheus
// when a URL is given, else the connected sidecars' /metrics) and where rollouts are recorded.
import type { Logger } from 'pino';
import type { Clock } from '../../api/runtime/clock.ts';
import { CanaryController } from './controller.ts';
import type { MetricsSource } from './metrics-source.ts';
import { prometheusSource } from './prometheus-source.ts';
import { sidecarScrapeSource } from './sidecar-scrape-source.ts';
import { fileStatusStore, memoryStatusStore } from './status-store.ts';

export interface CanaryOptions {
  /** Prometheus base URL: window figures from PromQL instead of the sidecars' /metrics. */
  readonly prometheusUrl?: string;
  /**
   * How often the figures refresh: no analysis window may be shorter. Default 1 s reading the
   * sidecars (each window scrapes them at its start and end), 15 s with Prometheus (its default
   * scrape interval).
   */
  readonly scrapeIntervalMs?: number;
  /** Local mode: record rollouts in this JSON file so a restart resumes them. */
  readonly stateFile?: string;
  /** Kubernetes mode: only the leader runs the analysis and moves weights. */
  readonly isLeader?: () => boolean;
  /** Any other source of window figures (tests). */
  readonly metrics?: MetricsSource;
}

export const SIDECAR_SCRAPE_INTERVAL_MS = 1_000;
export const PROMETHEUS_SCRAPE_INTERVAL_MS = 15_000;

export interface CanaryDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** host:port of every connected sidecar's /metrics. */
  readonly sidecarMetrics: () => readonly string[];
  readonly onWeightsChanged: () => void;
}

/** Prometheus when a URL is given, else the connected sidecars (shared with the fault guard). */
export const metricsSourceOf = (
  o: CanaryOptions = {},
  deps: Pick<CanaryDeps, 'clock' | 'sidecarMetrics'>,
): MetricsSource =>
  o.metrics ??
  (o.prometheusUrl !== undefined
    ? prometheusSource(o.prometheusUrl)
    : sidecarScrapeSource(deps.sidecarMetrics, () => deps.clock.now()));

export const createCanaryController = (
  o: CanaryOptions = {},
  deps: Omit<CanaryDeps, 'sidecarMetrics'> & { readonly metrics: MetricsSource },
): CanaryController => {
  const metrics = deps.metrics;
  const scrapeIntervalMs =
    o.scrapeIntervalMs ??
    (o.prometheusUrl !== undefined ? PROMETHEUS_SCRAPE_INTERVAL_MS : SIDECAR_SCRAPE_INTERVAL_MS);
  return new CanaryController({
    clock: deps.clock,
    logger: deps.logger,
    metrics,
    scrapeIntervalMs,
    store: o.stateFile !== undefined ? fileStatusStore(o.stateFile) : memoryStatusStore(),
    onWeightsChanged: deps.onWeightsChanged,
    ...(o.isLeader ? { isLeader: o.isLeader } : {}),
  });
};
