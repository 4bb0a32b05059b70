// `weft analyze` as a real process: the shared test manifests, examples/ and a clean base mesh
// give no finding; each folder under broken/ plants one problem, found exactly (check, object,
// field) and nothing else; a cluster (the kube-apiserver stand-in) is analyzed live the same way.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../cli/analyze/analyze.ts';
import type { AnalyzeReport } from '../../cli/analyze/command.ts';
import { loadFiles } from '../../cli/analyze/load-files.ts';
import { repoRoot } from '../e2e/dev-harness.ts';
import { weft } from '../e2e/weft-cli.ts';

const here = join(repoRoot, 'test/analyze');
const base = join(here, 'base');

const analyzeJson = async (
  ...args: string[]
): Promise<{ code: number; report: AnalyzeReport; stderr: string }> => {
  const r = await weft(['analyze', '-o', 'json', ...args]);
  return { code: r.code, report: JSON.parse(r.stdout || '{}') as AnalyzeReport, stderr: r.stderr };
};

const brief = (r: AnalyzeReport): string[] => r.findings.map((f) => `${f.check} | ${f.object} | ${f.field}`);

const PLANTED: Readonly<Record<string, readonly string[]>> = {
  'bad-weight': ['compile | TrafficSplit shop/web | spec.backends[0].weight'],
  'missing-backend-service': ['compile | TrafficSplit shop/web | spec.backends[1].service'],
  'split-backend-no-endpoints': [
    'split-backend-no-endpoints | TrafficSplit shop/api-canary | spec.backends[1].service',
  ],
  'traffic-target-denies-all': ['traffic-target-denies-all | TrafficTarget shop/api | spec.rules'],
  'policy-targets-nothing': ['policy-targets-nothing | TrafficTarget shop/payments | spec.destination'],
  'fault-without-end': ['fault-without-end | FaultInjection shop/slow-api | spec.duration'],
  'overlapping-routes': ['overlapping-routes | TrafficPolicy shop/web | spec.routes[1].match'],
  'yaml-syntax': ['compile | (file) | '],
};

describe('weft analyze on clean configuration', () => {
  it.each([
    ['the base mesh', base],
    ['examples/local', join(repoRoot, 'examples/local')],
    ['the shared manifests', join(repoRoot, '../shared/testdata/manifests')],
  ])('finds nothing in %s and exits 0', async (_name, dir) => {
    const { code, report } = await analyzeJson('-f', dir);
    expect(brief(report)).toEqual([]);
    expect(report.objects).toBeGreaterThan(0);
    expect(code).toBe(0);
  });
});

// Each Gateway API conformance test is applied on its own over the shared environment (the files
// reuse route names across tests), so each is analyzed that way; in-process, same code path.
describe('weft analyze on the shared Gateway API conformance data', () => {
  const gamma = join(repoRoot, '../shared/testdata/gateway-api');
  const files = readdirSync(join(gamma, 'tests')).filter((f) => f.endsWith('.yaml'));
  const analyzed = async (file: string): Promise<string[]> => {
    const loaded = await loadFiles(
      [join(gamma, 'mesh-manifests.yaml'), join(gamma, 'tests', file)],
      'default',
    );
    return analyze({ ...loaded, defaultNamespace: 'default', clusterDomain: 'cluster.local' }).map(
      (f) => `${f.check} | ${f.object} | ${f.field}`,
    );
  };

  it.each(files.filter((f) => f !== 'grpcroute-weight.yaml'))('finds nothing in %s', async (file) => {
    expect(await analyzed(file)).toEqual([]);
  });

  it('finds only the backend grpcroute-weight.yaml leaves undefined on purpose (weight 0)', async () => {
    expect(await analyzed('grpcroute-weight.yaml')).toEqual([
      'compile | GRPCRoute gateway-conformance-mesh/mesh-grpc-weighted-backends | spec.rules[0].backendRefs[2]',
    ]);
  });
});

describe('weft analyze on broken configuration', () => {
  it('has one folder per planted problem', () => {
    expect(readdirSync(join(here, 'broken')).sort()).toEqual(Object.keys(PLANTED).sort());
  });

  it.each(Object.entries(PLANTED))(
    'finds exactly what %s plants, with a fix, and exits 1',
    async (dir, expected) => {
      const { code, report } = await analyzeJson('-f', base, '-f', join(here, 'broken', dir));
      expect(brief(report)).toEqual(expected);
      for (const f of report.findings) {
        expect(f.source).toContain(join('broken', dir));
        expect(f.fix.length).toBeGreaterThan(10);
      }
      expect(code).toBe(1);
    },
  );

  it('prints findings as a table by default', async () => {
    const r = await weft(['analyze', '-f', base, '-f', join(here, 'broken/fault-without-end')]);
    expect(r.stdout).toContain('‼ warning FaultInjection shop/slow-api spec.duration');
    expect(r.stdout).toContain('fix: add spec.duration');
    expect(r.stdout).toMatch(/1 finding\(s\): 0 error\(s\), 1 warning\(s\)/);
  });

  it('says what is wrong with its arguments', async () => {
    const none = await weft(['analyze']);
    expect([none.code, none.stderr]).toEqual([
      2,
      'weft analyze: pass -f FILE|DIR (offline) or --kubeconfig FILE (live)\n',
    ]);
    const missing = await weft(['analyze', '-f', join(here, 'no-such-dir')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-dir: no such file or folder/);
  });
});
