// The dashboard's HTTP side (fastify, loopback only): the page and its script as static files
// from this folder (no build step, no CDN), and GET /api/state with the collector's latest model
// and the history the charts draw.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { HistoryPoint } from './history.ts';
import type { DashboardState } from './model.ts';

/** What the page polls: the latest figures and the points its charts draw. */
export interface DashboardSource {
  latest(): DashboardState | undefined;
  history(): readonly HistoryPoint[];
}

/** The page's ES modules: page.js imports the other two. */
const SCRIPTS = ['page.js', 'layout.js', 'charts.js'] as const;

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

export const startDashboardServer = async (
  host: string,
  port: number,
  source: DashboardSource,
): Promise<DashboardServer> => {
  const read = (file: string): Promise<string> => readFile(join(import.meta.dirname, file), 'utf8');
  const html = await read('page.html');
  const app = Fastify();
  app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(html));
  for (const script of SCRIPTS) {
    const js = await read(script);
    app.get(`/${script}`, (_req, reply) => reply.type('text/javascript; charset=utf-8').send(js));
  }
  app.get('/api/state', (_req, reply) => {
    const state = source.latest();
    // 503 until two scrapes give the first rates; the page keeps polling.
    return state
      ? reply.send({ ...state, history: source.history() })
      : reply.code(503).send({ message: 'collecting the first interval' });
  });
  await app.listen({ host, port });
  const bound = (app.server.address() as AddressInfo).port;
  return { url: `http://${host}:${bound}`, close: () => app.close() };
};
