// The dashboard's service graph in a real headless Chromium for meshes of the sizes the demo and
// the tests use and larger (a wide fan-out with long names, a long chain, twenty callers of one
// service, a call cycle): no two texts overlap, no edge label covers a box, nothing is cut off.
// The page is served by the real dashboard server from fixed states (no mesh needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../cli/dashboard/history.ts';
import type { DashboardState, Edge } from '../../cli/dashboard/model.ts';
import { startDashboardServer, type DashboardServer } from '../../cli/dashboard/server.ts';
import { chromiumAvailable, graphBoxes, layoutProblems, openBrowser, type Browser } from './chromium.ts';

const edge = (from: string, to: string, rps: number, kind: Edge['kind'] = 'call'): Edge => ({
  from,
  to,
  kind,
  rps,
  success: rps > 1000 ? 0.8123 : 1,
  p99: rps > 1000 ? 1.2345 : 0.0123,
});

const state = (edges: Edge[]): DashboardState => ({
  at: '2026-01-01T00:00:00Z',
  services: [],
  nodes: [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort(),
  edges,
  splits: [],
  faults: [],
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const MESHES: Record<string, DashboardState> = {
  demo: state([
    edge('loadgen', 'demo/frontend', 100.1),
    edge('demo/frontend', 'demo/catalog', 100.1),
    edge('demo/catalog', 'demo/catalog-v1', 90.2, 'split'),
    edge('demo/catalog', 'demo/catalog-v2', 9.9, 'split'),
  ]),
  'fan-out of 12 with long names': state([
    ...range(12).map((i) => edge('shop/gateway', `shop/recommendation-engine-${i}`, 10 * i + 0.5)),
    ...range(12).map((i) => edge(`shop/recommendation-engine-${i}`, 'shop/inventory-database', 3.3)),
  ]),
  'chain of 8': state(range(7).map((i) => edge(`chain/step-${i}`, `chain/step-${i + 1}`, 55.5))),
  'twenty callers of one service': state(
    range(20).map((i) => edge(`team-${i}/client`, 'core/auth', 1000 + i * 1111.1)),
  ),
  'a call cycle': state([
    edge('loop/a', 'loop/b', 5),
    edge('loop/b', 'loop/a', 5),
    edge('loop/b', 'loop/c', 5),
  ]),
};

describe.skipIf(!chromiumAvailable)('dashboard graph layout in headless Chromium', () => {
  let current: DashboardState = MESHES.demo as DashboardState;
  let server: DashboardServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startDashboardServer('127.0.0.1', 0, {
      latest: () => current,
      history: (): HistoryPoint[] => [],
    });
    browser = await openBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [name, mesh] of Object.entries(MESHES))
    it(`keeps every label readable: ${name}`, async () => {
      current = mesh;
      await browser.page.goto(server.url);
      await browser.page.locator(`[data-node="${mesh.nodes.at(-1)}"]`).waitFor({ timeout: 10_000 });
      const boxes = await graphBoxes(browser.page);
      expect(boxes.texts.length).toBe(mesh.nodes.length + mesh.edges.length);
      expect(layoutProblems(boxes)).toEqual([]);
    });
});
