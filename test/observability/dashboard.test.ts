// `weft dashboard` in a real headless Chromium (Debian's, driven by playwright-core) against the
// local mesh under load: the page shows the demo services and edges, the catalog split at ~90/10,
// and the observed canary share moves when the TrafficSplit is edited to 50/50.
// Outside CI, skips with a message when chromium is absent.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadGenerator } from '../../cli/dev/load-generator.ts';
import { chromiumAvailable, graphBoxes, layoutProblems, openBrowser, type Browser } from './chromium.ts';
import { repoRoot, SPLIT_50_50, startLoad, startLocalMesh, type LocalMesh } from './local-mesh.ts';

const startDashboard = (cwd: string): Promise<{ proc: ChildProcess; url: string }> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(repoRoot, 'cli/main.ts'), 'dashboard', '--port', '0'], {
      cwd,
    });
    let out = '';
    let err = '';
    proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ proc, url: m[1] as string });
    });
    proc.once('exit', (code) => reject(new Error(`weft dashboard exited ${code}: ${err}`)));
  });

const observedV2 = async (page: Page): Promise<number> => {
  const text = await page
    .locator('[data-split="demo/catalog"] [data-backend="demo/catalog-v2"] .observed')
    .textContent({ timeout: 1_000 })
    .catch(() => null);
  return text ? Number.parseFloat(text) : NaN;
};

/** Polls the page (bounded) until `ok` holds for the observed v2 share in percent. */
const untilShare = async (page: Page, ok: (v: number) => boolean, ms: number): Promise<number> => {
  const deadline = Date.now() + ms;
  let v = NaN;
  while (Date.now() < deadline) {
    v = await observedV2(page);
    if (ok(v)) return v;
    await page.waitForTimeout(250);
  }
  return v;
};

/** The values a chart of the page plots, oldest first (null where there was no traffic). */
const chartValues = async (page: Page, id: string): Promise<(number | null)[]> =>
  JSON.parse(
    (await page.locator(`[data-chart="${id}"]`).getAttribute('data-values', { timeout: 5_000 })) ?? '[]',
  ) as (number | null)[];

describe.skipIf(!chromiumAvailable)('weft dashboard in headless Chromium', () => {
  let mesh: LocalMesh;
  let load: LoadGenerator | undefined;
  let dashboard: { proc: ChildProcess; url: string };
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    mesh = await startLocalMesh();
    load = startLoad(mesh);
    dashboard = await startDashboard(mesh.cwd);
    browser = await openBrowser();
    page = browser.page;
    await page.goto(dashboard.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    dashboard?.proc.kill('SIGTERM');
    await load?.stop();
    await mesh?.stop();
  });

  it('shows the demo services and their edges with live figures', async () => {
    for (const n of ['loadgen', 'demo/frontend', 'demo/catalog', 'demo/catalog-v1', 'demo/catalog-v2'])
      await page.locator(`[data-node="${n}"]`).waitFor({ timeout: 10_000 });
    const edge = page.locator('[data-from="demo/frontend"][data-to="demo/catalog"] text');
    expect(await edge.textContent()).toMatch(/^\d+\.\d rps · 100\.0% · p99 \d+\.\d ms$/);
    expect(
      await page
        .locator('[data-split="demo/catalog"] [data-backend="demo/catalog-v1"] .weight')
        .textContent(),
    ).toBe('90');
  });

  it('lays the demo graph out with every label readable', async () => {
    await page.locator('[data-from="demo/catalog"][data-to="demo/catalog-v2"]').waitFor({ timeout: 10_000 });
    const boxes = await graphBoxes(page);
    expect(boxes.texts.length).toBe(9);
    expect(layoutProblems(boxes)).toEqual([]);
  });

  it('shows the canary share and updates it when the split changes', async () => {
    // ~100 req/s per 1 s interval: the v2 share of one interval is ~10 % ± 3 pp (sd)
    const before = await untilShare(page, (v) => v > 0 && v < 25, 10_000);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(25);
    await mesh.writeYaml('split.yaml', SPLIT_50_50);
    const after = await untilShare(page, (v) => v > 35 && v < 65, 15_000);
    console.log(`dashboard canary share of catalog-v2: ${before} % → ${after} %`);
    expect(after).toBeGreaterThan(35);
    expect(after).toBeLessThan(65);
    expect(
      await page
        .locator('[data-split="demo/catalog"] [data-backend="demo/catalog-v2"] .weight')
        .textContent(),
    ).toBe('50');
    // the share chart of catalog-v2 has drawn both periods, and its weight line moved with the split
    const share = await chartValues(page, 'demo/catalog → demo/catalog-v2 share');
    const known = share.filter((v): v is number => v !== null);
    expect(Math.min(...known)).toBeLessThan(0.25);
    expect(known.at(-1)).toBeGreaterThan(0.35);
  });

  it('charts the request rate of a service and an edge falling when the load stops', async () => {
    const service = await chartValues(page, 'demo/frontend rps');
    expect(Math.max(...service.map((v) => v ?? 0))).toBeGreaterThan(50);
    await load?.stop();
    load = undefined;
    // after the load stops the last point of each chart drops to ~0 within a few refreshes
    const deadline = Date.now() + 15_000;
    let last = { service: NaN, edge: NaN };
    while (Date.now() < deadline) {
      const s = await chartValues(page, 'demo/frontend rps');
      const e = await chartValues(page, 'loadgen → demo/frontend rps');
      last = { service: s.at(-1) ?? NaN, edge: e.at(-1) ?? NaN };
      if (last.service < 1 && last.edge < 1) break;
      await page.waitForTimeout(250);
    }
    expect(last.service).toBeLessThan(1);
    expect(last.edge).toBeLessThan(1);
    expect(await page.locator('[data-service="demo/frontend"] .figure-value').first().textContent()).toMatch(
      /^0\.\d$/,
    );
  });
});
