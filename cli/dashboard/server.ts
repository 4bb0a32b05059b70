// The dashboard's HTTP side (fastify, loopback only): the page and its script as static files
// from this folder (no build step, no CDN), and GET /api/state with the collector's latest model.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { DashboardState } from './model.ts';

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

export const startDashboardServer = async (
  host: string,
  port: number,
  latest: () => DashboardState | undefined,
): Promise<DashboardServer> => {
  const [html, js] = await Promise.all([
    readFile(join(import.meta.dirname, 'page.html'), 'utf8'),
    readFile(join(import.meta.dirname, 'page.js'), 'utf8'),
  ]);
  const app = Fastify();
  app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(html));
  app.get('/page.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(js));
  app.get('/api/state', (_req, reply) => {
    const state = latest();
    // 503 until two scrapes give the first rates; the page keeps polling.
    return state ? reply.send(state) : reply.code(503).send({ message: 'collecting the first interval' });
  });
  await app.listen({ host, port });
  const bound = (app.server.address() as AddressInfo).port;
  return { url: `http://${host}:${bound}`, close: () => app.close() };
};
