// The Grafana dashboards of examples/grafana/ against a real Prometheus scraping `weft dev` under
// load: each file is a dashboard Grafana imports (schemaVersion, a Prometheus datasource variable,
// every variable a query uses defined, panels on the 24-column grid), every template variable's
// label_values() offers the demo's value, and every panel query, with the variables set to the
// demo's values, returns at least one finite number.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadGenerator } from '../../cli/dev/load-generator.ts';
import { repoRoot, SPLIT_50_50, startLoad, startLocalMesh, type LocalMesh } from './local-mesh.ts';
import { prometheusAvailable, startPrometheus, type RunningPrometheus } from './prometheus-server.ts';

const DIR = join(repoRoot, 'examples/grafana');

interface Target {
  expr: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Variable[] };
  panels: Panel[];
}

const dashboards = async (): Promise<[string, Dashboard][]> => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(
      async (f) => [f, JSON.parse(await readFile(join(DIR, f), 'utf8')) as Dashboard] as [string, Dashboard],
    ),
  );
};

// Grafana's built-in intervals, as a dashboard over the last 15 minutes would set them.
const BUILT_INS: Record<string, string> = { __rate_interval: '1m', __range: '15m' };

/** `$name` and `${name}` references in a query. */
const references = (expr: string): string[] =>
  [...expr.matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1] as string).filter((n) => !(n in BUILT_INS));

const substitute = (expr: string, values: Record<string, string>): string =>
  expr.replace(/\$\{?(\w+)\}?/g, (all, name: string) => BUILT_INS[name] ?? values[name] ?? all);

const variableQuery = (v: Variable): string => (typeof v.query === 'string' ? v.query : v.query.query);

describe('examples/grafana dashboards', () => {
  it('are importable dashboards whose queries use only defined variables', async () => {
    const all = await dashboards();
    expect(all.map(([f]) => f)).toEqual([
      'weft-control-plane.json',
      'weft-mesh-overview.json',
      'weft-service.json',
      'weft-workload.json',
    ]);
    for (const [file, d] of all) {
      expect(d.schemaVersion, file).toBeGreaterThanOrEqual(36);
      expect(d.uid, file).toMatch(/^weft-/);
      const vars = new Set(d.templating.list.map((v) => v.name));
      expect(d.templating.list.find((v) => v.name === 'datasource')?.type, file).toBe('datasource');
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, `${file}: panel ids unique`).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w, `${file}: ${p.title}`).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.datasource?.uid, `${file}: ${p.title}`).toBe('${datasource}');
        expect(p.targets?.length, `${file}: ${p.title}`).toBeGreaterThan(0);
        for (const t of p.targets ?? [])
          for (const name of references(t.expr))
            expect(vars, `${file}: ${p.title}: $${name}`).toContain(name);
      }
    }
  });
});

describe.skipIf(!prometheusAvailable)(
  'examples/grafana dashboards against Prometheus scraping weft dev',
  () => {
    let mesh: LocalMesh;
    let load: LoadGenerator;
    let prom: RunningPrometheus;
    let values: Record<string, string>;
    const until = async (promql: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await prom.query(promql)).length === 0)
        await new Promise((res) => setTimeout(res, 500));
    };
    beforeAll(async () => {
      mesh = await startLocalMesh();
      load = startLoad(mesh);
      prom = await startPrometheus(mesh.state);
      const frontend = mesh.state.workloads.find((w) => w.name === 'frontend');
      values = {
        namespace: 'demo',
        service: 'demo/catalog',
        workload: 'frontend',
        instance: `127.0.0.1:${frontend?.metricsPort}`,
      };
      // Change the split once Prometheus scrapes, so the control plane pushes a snapshot it sees.
      await until('count(up{job="weft-control-plane"} == 1)');
      await mesh.writeYaml('split.yaml', SPLIT_50_50);
    }, 90_000);
    afterAll(async () => {
      await prom?.stop();
      await load?.stop();
      await mesh?.stop();
    });

    it("offers the demo's values in every template variable", async () => {
      for (const [file, d] of await dashboards())
        for (const v of d.templating.list.filter((x) => x.type === 'query')) {
          const m = /^label_values\((.+), (\w+)\)$/.exec(variableQuery(v));
          expect(m, `${file}: $${v.name}`).not.toBeNull();
          const [, selector, label] = m as unknown as [string, string, string];
          const url = `${prom.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(substitute(selector, values))}`;
          const body = (await (await fetch(url)).json()) as { data: string[] };
          // the control-plane dashboard's instance is the control plane's admin address
          const want =
            file === 'weft-control-plane.json' ? mesh.state.controlPlane.adminAddress : values[v.name];
          expect(body.data, `${file}: $${v.name}`).toContain(want);
        }
    });

    it('returns data for every panel query', async () => {
      const control = { ...values, instance: mesh.state.controlPlane.adminAddress };
      const queries: { what: string; expr: string }[] = [];
      for (const [file, d] of await dashboards())
        for (const p of d.panels)
          for (const t of p.targets ?? [])
            queries.push({
              what: `${file}: ${p.title} (${t.refId})`,
              expr: substitute(t.expr, file === 'weft-control-plane.json' ? control : values),
            });
      // Rates need two scrapes of every sidecar after the load began: retry the empty ones (bounded).
      let empty = queries;
      const deadline = Date.now() + 30_000;
      while (empty.length > 0 && Date.now() < deadline) {
        const results = await Promise.all(empty.map((q) => prom.query(q.expr)));
        empty = empty.filter((_, i) => !results[i]?.some((r) => Number.isFinite(r.value)));
        if (empty.length > 0) await new Promise((res) => setTimeout(res, 1_000));
      }
      console.log(`grafana: ${queries.length} panel queries run against Prometheus`);
      expect(empty.map((q) => `${q.what}: ${q.expr}`)).toEqual([]);
      expect(queries.length).toBeGreaterThan(30);
    }, 45_000);
  },
);
