// Debian's headless Chromium driven by playwright-core, for the dashboard tests: a fresh profile
// per run, no network chatter of its own. Outside CI the tests skip with a message when it is absent.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.CI)
  throw new Error(`${CHROMIUM} missing in CI: run .ci/setup-system.sh`);
if (!chromiumAvailable)
  console.warn(`SKIP dashboard browser tests: ${CHROMIUM} not installed (apt-get install chromium)`);

export interface Browser {
  readonly page: Page;
  close(): Promise<void>;
}

export const openBrowser = async (): Promise<Browser> => {
  const profile = await mkdtemp(join(tmpdir(), 'weft-chromium-'));
  // playwright passes the profile to Chromium as --user-data-dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
};

export interface Box {
  readonly what: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface GraphBoxes {
  readonly texts: Box[];
  readonly nodes: Box[];
  readonly svg: Box;
}

// Runs in the page (a string: this project's TypeScript has no DOM types).
const GRAPH_BOXES = `(() => {
  const rect = (what, e) => {
    const r = e.getBoundingClientRect();
    return { what, x: r.x, y: r.y, width: r.width, height: r.height };
  };
  const svg = document.getElementById('graph');
  return {
    texts: [...svg.querySelectorAll('text')].map((t) => rect(t.textContent, t)),
    nodes: [...svg.querySelectorAll('.node rect')].map((r) => rect(r.parentElement.getAttribute('data-node'), r)),
    svg: rect('svg', svg),
  };
})()`;

/** Every text of the service graph and every node box, as the page lays them out (client pixels). */
export const graphBoxes = async (page: Page): Promise<GraphBoxes> =>
  (await page.evaluate(GRAPH_BOXES)) as GraphBoxes;

const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Every readability problem of the graph: overlapping texts, labels over boxes, texts cut off. */
export const layoutProblems = (g: GraphBoxes): string[] => {
  const problems: string[] = [];
  g.texts.forEach((a, i) => {
    for (const b of g.texts.slice(i + 1))
      if (overlap(a, b)) problems.push(`"${a.what}" overlaps "${b.what}"`);
    for (const n of g.nodes)
      if (a.what !== n.what && overlap(a, n)) problems.push(`"${a.what}" overlaps the box of ${n.what}`);
    const inside =
      a.x >= g.svg.x &&
      a.y >= g.svg.y &&
      a.x + a.width <= g.svg.x + g.svg.width &&
      a.y + a.height <= g.svg.y + g.svg.height;
    if (!inside) problems.push(`"${a.what}" is cut off by the edge of the graph`);
  });
  return problems;
};
