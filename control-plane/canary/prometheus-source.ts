// Window figures from Prometheus (`--prometheus URL`): at the window's end, the increase of the
// callers' request counters and latency buckets over exactly the window, per backend.
import { promQuery } from '../../api/metrics/prom-query.ts';
import type { BackendFigures } from './analysis.ts';
import type { BackendPair, MetricsSource } from './metrics-source.ts';

const scalar = async (base: string, promql: string): Promise<number | null> => {
  const v = Number((await promQuery(base, promql))[0]?.value[1]);
  return Number.isFinite(v) ? v : null;
};

/** The three PromQL expressions of one backend over `seconds`; exported for the unit test. */
export const windowQueries = (
  service: string,
  backend: string | undefined,
  seconds: number,
): Record<string, string> => {
  const backendSel = backend === undefined ? '' : `,destination_backend="${backend}"`;
  const sel = `direction="outbound",destination_service="${service}"${backendSel}`;
  const w = `[${Math.round(seconds)}s]`;
  return {
    requests: `sum(increase(weft_requests_total{${sel}}${w}))`,
    ok: `sum(increase(weft_requests_total{${sel},code_class!="5xx"}${w}))`,
    p99: `histogram_quantile(0.99, sum by (le) (increase(weft_request_duration_seconds_bucket{${sel}}${w})))`,
  };
};

const backendFigures = async (
  base: string,
  service: string,
  backend: string | undefined,
  seconds: number,
): Promise<BackendFigures> => {
  const q = windowQueries(service, backend, seconds);
  const [requests, ok, p99] = await Promise.all([
    scalar(base, q.requests as string),
    scalar(base, q.ok as string),
    scalar(base, q.p99 as string),
  ]);
  const n = Math.round(requests ?? 0);
  return {
    requests: n,
    successRate: n > 0 ? Math.min(1, (ok ?? 0) / (requests as number)) : null,
    p99Ms: n > 0 && p99 !== null ? p99 * 1000 : null,
  };
};

export const prometheusSource = (base: string): MetricsSource => ({
  describe: `Prometheus at ${base}`,
  async openWindow(pair: BackendPair, windowMs: number) {
    const seconds = windowMs / 1000;
    return async () => {
      const [canary, stable] = await Promise.all([
        backendFigures(base, pair.service, pair.canary, seconds),
        backendFigures(base, pair.service, pair.stable, seconds),
      ]);
      return { canary, stable };
    };
  },
  async openServiceWindow(service: string, windowMs: number) {
    return () => backendFigures(base, service, undefined, windowMs / 1000);
  },
});
