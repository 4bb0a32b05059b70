// Window figures read from the sidecars themselves: every connected sidecar's /metrics is scraped
// at the window's start and end, and the difference gives each backend's requests, success rate
// and p99 (the same arithmetic as `weft stat`). Used in local mode and without --prometheus.
import { statRows, type StatRow } from '../../api/metrics/figures.ts';
import { parsePromText, type Sample } from '../../api/metrics/prom-text.ts';
import type { BackendFigures } from './analysis.ts';
import { NO_FIGURES, type MetricsSource } from './metrics-source.ts';

const SCRAPE_TIMEOUT_MS = 2_000;

const scrape = async (address: string): Promise<Sample[]> => {
  try {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    return parsePromText(await res.text());
  } catch {
    return []; // a sidecar that does not answer adds nothing to this window
  }
};

const scrapeAll = async (addresses: readonly string[]): Promise<Map<string, Sample[]>> =>
  new Map(await Promise.all(addresses.map(async (a) => [a, await scrape(a)] as const)));

const figuresOf = (
  rows: readonly StatRow[],
  service: string,
  backend: string | undefined,
  seconds: number,
): BackendFigures => {
  const r = rows.find((x) =>
    backend === undefined
      ? x.kind === 'service' && x.name === service
      : x.kind === 'backend' && x.service === service && x.name === backend,
  );
  if (!r) return NO_FIGURES;
  return {
    requests: Math.round(r.rps * seconds),
    successRate: r.success,
    p99Ms: r.p99 === null ? null : r.p99 * 1000,
  };
};

/** Scrapes now; the returned function scrapes again and gives the rows of the time between. */
const openRows = async (
  addresses: () => readonly string[],
  now: () => number,
): Promise<() => Promise<{ rows: StatRow[]; seconds: number }>> => {
  const startedAt = now();
  const before = await scrapeAll(addresses());
  return async () => {
    const after = await scrapeAll(addresses());
    const seconds = Math.max(0.001, (now() - startedAt) / 1000);
    // A sidecar that joined during the window counts from zero.
    const keys = [...after.keys()];
    const rows = statRows(
      keys.map((k) => before.get(k) ?? []),
      keys.map((k) => after.get(k) ?? []),
      seconds,
    );
    return { rows, seconds };
  };
};

/** `addresses`: the metrics host:port of every sidecar connected now. */
export const sidecarScrapeSource = (
  addresses: () => readonly string[],
  now: () => number,
): MetricsSource => ({
  describe: 'the sidecars’ /metrics',
  async openWindow(pair) {
    const measure = await openRows(addresses, now);
    return async () => {
      const { rows, seconds } = await measure();
      return {
        canary: figuresOf(rows, pair.service, pair.canary, seconds),
        stable: figuresOf(rows, pair.service, pair.stable, seconds),
      };
    };
  },
  async openServiceWindow(service) {
    const measure = await openRows(addresses, now);
    return async () => {
      const { rows, seconds } = await measure();
      return figuresOf(rows, service, undefined, seconds);
    };
  },
});
