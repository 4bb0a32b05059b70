// Local mode of `weft stat`: the sidecars of a running `weft dev`, found in .weft/dev/state.json,
// scraped twice `intervalMs` apart; rates and quantiles come from the difference (figures.ts).
import { readFile } from 'node:fs/promises';
import type { DevState } from '../dev/mesh.ts';
import { scrapeMetrics } from '../dev/mesh-stats.ts';
import { statRows, type StatRow } from './figures.ts';

export const readDevState = async (file: string): Promise<DevState> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file} not found: start the local mesh with \`weft dev\`, or pass --prometheus URL`);
  }
  return JSON.parse(text) as DevState;
};

export const metricsPorts = (state: DevState): number[] =>
  [...state.workloads, ...(state.loadGenerator ? [state.loadGenerator] : [])].map((w) => w.metricsPort);

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
