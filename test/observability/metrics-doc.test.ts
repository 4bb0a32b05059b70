// docs/metrics.md is the contract: every metric a running sidecar, control plane and injector
// export is documented there with its type, and every documented metric is exported. Labels seen
// on real samples must be listed too. The local mesh supplies sidecars and a control plane with
// mTLS; the injector and the Kubernetes-only watch metric are declared on in-process registries.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePromText } from '../../api/metrics/prom-text.ts';
import { watchErrorsCounter } from '../../control-plane/admin/watch-metrics.ts';
import { buildInjectorApp } from '../../injector/app.ts';
import { repoRoot, sendRequests, startLocalMesh, type LocalMesh } from './local-mesh.ts';

interface Documented {
  type: string;
  labels: Set<string>;
}

const docRow = /^\|\s*`(weft_[a-z0-9_]+)`\s*\|\s*(counter|gauge|histogram|summary)\s*\|([^|]*)\|/;

const documented = async (): Promise<Map<string, Documented>> => {
  const text = await readFile(join(repoRoot, 'docs/metrics.md'), 'utf8');
  const rows = new Map<string, Documented>();
  for (const line of text.split('\n')) {
    const m = docRow.exec(line);
    if (!m) continue;
    const labels = new Set([...(m[3] as string).matchAll(/`([a-z_]+)`/g)].map((l) => l[1] as string));
    rows.set(m[1] as string, { type: m[2] as string, labels });
  }
  return rows;
};

/** Types from `# TYPE` lines, labels from the samples (histogram suffixes and `le` folded). */
const exported = (texts: readonly string[]): Map<string, Documented> => {
  const out = new Map<string, Documented>();
  for (const text of texts) {
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (!out.has(m[1] as string)) out.set(m[1] as string, { type: m[2] as string, labels: new Set() });
    }
    for (const s of parsePromText(text)) {
      const base = out.has(s.name) ? s.name : s.name.replace(/_(bucket|sum|count)$/, '');
      for (const l of Object.keys(s.labels)) if (l !== 'le') out.get(base)?.labels.add(l);
    }
  }
  return out;
};

const scrape = async (address: string): Promise<string> =>
  (await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();

describe('docs/metrics.md', () => {
  let mesh: LocalMesh;
  let texts: string[];
  beforeAll(async () => {
    mesh = await startLocalMesh();
    await sendRequests(mesh.via, 50);
    const injector = new Registry();
    const app = buildInjectorApp({ registry: injector });
    await app.ready();
    const kubeOnly = new Registry();
    watchErrorsCounter(kubeOnly, () => []);
    texts = await Promise.all([
      ...mesh.sidecars.map((w) => scrape(`127.0.0.1:${w.metricsPort}`)),
      scrape(mesh.state.controlPlane.adminAddress),
      injector.metrics(),
      kubeOnly.metrics(),
    ]);
    await app.close();
  }, 60_000);
  afterAll(() => mesh?.stop());

  it('documents every exported metric with its type, and nothing that is not exported', async () => {
    const docs = await documented();
    const live = exported(texts);
    expect(docs.size).toBeGreaterThan(20);
    const undocumented = [...live.keys()].filter((n) => !docs.has(n));
    const absent = [...docs.keys()].filter((n) => !live.has(n));
    expect(undocumented, 'exported but missing from docs/metrics.md').toEqual([]);
    expect(absent, 'documented in docs/metrics.md but not exported').toEqual([]);
    for (const [name, d] of docs) expect(`${name} ${live.get(name)?.type}`).toBe(`${name} ${d.type}`);
  });

  it('lists every label seen on a real sample', async () => {
    const docs = await documented();
    const live = exported(texts);
    expect(live.get('weft_requests_total')?.labels.size, 'the mesh served traffic').toBeGreaterThan(0);
    for (const [name, l] of live) {
      const missing = [...l.labels].filter((x) => !docs.get(name)?.labels.has(x));
      expect(missing, `${name}: labels missing from docs/metrics.md`).toEqual([]);
    }
  });
});
