// Scrapes the sidecars' Prometheus /metrics on loopback; a sidecar that does not answer within
// 2 s contributes no samples rather than failing the whole view.
import { parsePromText, type Sample } from '../../api/metrics/prom-text.ts';

export const scrapeMetrics = async (ports: readonly number[]): Promise<Sample[][]> =>
  Promise.all(
    ports.map(async (port) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
        return parsePromText(await res.text());
      } catch {
        return [];
      }
    }),
  );
