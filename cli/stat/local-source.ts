// Local mode of `weft stat`: the sidecars of a running `weft dev`, found in .weft/dev/state.json,
// scraped twice `intervalMs` apart; rates and quantiles come from the difference (mesh-view/figures.ts).
import { statRows, type StatRow } from '../../api/metrics/figures.ts';
import { scrapeMetrics } from '../mesh-view/scrape.ts';

export interface Sampler {
  /** Figures over the next interval. */
  sample(): Promise<StatRow[]>;
}

/** Each sample waits one interval; with --watch the previous "after" is the next "before". */
export const localSampler = (ports: readonly number[], intervalMs: number): Sampler => {
  let last: { at: number; scrapes: Awaited<ReturnType<typeof scrapeMetrics>> } | undefined;
  const take = async () => ({ at: performance.now(), scrapes: await scrapeMetrics(ports) });
  return {
    sample: async () => {
      const before = last ?? (await take());
      await new Promise((r) => setTimeout(r, intervalMs));
      const after = await take();
      last = after;
      return statRows(before.scrapes, after.scrapes, (after.at - before.at) / 1000);
    },
  };
};
