// examples/prometheus is checked by the real promtool: both scrape configurations, the rules, and
// the rules' unit tests (rules.test.yml). The Kubernetes configuration must also match what the
// injector writes on pods. Outside CI, skips with a message when promtool is absent.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { injectPod } from '../../injector/inject/inject-pod.ts';
import { DEFAULT_VALUES } from '../../injector/inject/values.ts';
import { repoRoot } from './local-mesh.ts';

const PROMTOOL = '/usr/bin/promtool';
const available = existsSync(PROMTOOL);
if (!available && process.env.CI) throw new Error(`${PROMTOOL} missing in CI: run .ci/setup-system.sh`);
if (!available)
  console.warn(`SKIP examples/prometheus checks: ${PROMTOOL} not installed (apt-get install prometheus)`);

const run = promisify(execFile);
const promtool = async (cwd: string, ...args: string[]): Promise<{ code: number; out: string }> => {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
};

// Debian builds Prometheus without Kubernetes service discovery ("+ds": the client-go module is not
// packaged), so its promtool rejects kubernetes_sd_configs. Then the rest of the file is checked
// with an empty static target list in its place, and the SD settings are checked by shape below.
const withoutKubernetesSd = (text: string): string =>
  text.replace(
    /kubernetes_sd_configs:\n(\s+- role: pod\n(\s{8,}.*\n)*)/g,
    'static_configs: [{ targets: [] }]\n',
  );

interface ScrapeConfig {
  job_name: string;
  kubernetes_sd_configs?: { role: string }[];
  relabel_configs?: { source_labels?: string[]; action?: string; regex?: string; target_label?: string }[];
}

/** Prometheus turns a pod annotation into a meta label this way (non-alphanumerics become `_`). */
const metaLabel = (annotation: string): string =>
  `__meta_kubernetes_pod_annotation_${annotation.replace(/[^a-zA-Z0-9_]/g, '_')}`;

describe.skipIf(!available)('examples/prometheus with promtool', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-promtool-'));
    await cp(join(repoRoot, 'examples/prometheus'), dir, { recursive: true });
    // the target files weft dev's state turns into (see the comment in prometheus-local.yml)
    await writeFile(join(dir, 'weft-dev-sidecars.json'), '[{"targets":["127.0.0.1:15090"]}]');
    await writeFile(join(dir, 'weft-dev-control-plane.json'), '[{"targets":["127.0.0.1:15014"]}]');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('rules.yml passes promtool check rules and its unit tests', async () => {
    const check = await promtool(dir, 'check', 'rules', 'rules.yml');
    expect(check.code, check.out).toBe(0);
    const unit = await promtool(dir, 'test', 'rules', 'rules.test.yml');
    expect(unit.code, unit.out).toBe(0);
    expect(unit.out).toContain('SUCCESS');
  });

  it('prometheus-local.yml is a valid configuration', async () => {
    const check = await promtool(dir, 'check', 'config', 'prometheus-local.yml');
    expect(check.code, check.out).toBe(0);
  });

  it('prometheus-kubernetes.yml is a valid configuration', async () => {
    let check = await promtool(dir, 'check', 'config', 'prometheus-kubernetes.yml');
    if (check.code !== 0 && check.out.includes('field kubernetes_sd_configs not found')) {
      console.warn('promtool has no Kubernetes SD (Debian build); checking the rest of the file');
      const text = await readFile(join(dir, 'prometheus-kubernetes.yml'), 'utf8');
      await writeFile(join(dir, 'k8s-no-sd.yml'), withoutKubernetesSd(text));
      check = await promtool(dir, 'check', 'config', 'k8s-no-sd.yml');
    }
    expect(check.code, check.out).toBe(0);
  });

  it('scrapes pods by exactly the annotations the injector writes', async () => {
    const injected = injectPod(
      {
        metadata: { name: 'catalog', namespace: 'demo' },
        spec: { containers: [{ name: 'app', image: 'catalog', ports: [{ containerPort: 8080 }] }] },
      },
      DEFAULT_VALUES,
    );
    if (!injected.ok) throw new Error(JSON.stringify(injected.error));
    const annotations = injected.value.pod.metadata?.annotations ?? {};
    const config = parse(await readFile(join(dir, 'prometheus-kubernetes.yml'), 'utf8')) as {
      scrape_configs: ScrapeConfig[];
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'weft-sidecars');
    expect(job?.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    const sources = (job?.relabel_configs ?? []).flatMap((r) => r.source_labels ?? []);
    for (const key of ['prometheus.io/scrape', 'prometheus.io/port', 'prometheus.io/path']) {
      expect(annotations[key], key).toBeDefined();
      expect(sources, key).toContain(metaLabel(key));
    }
    const keep = job?.relabel_configs?.find((r) => r.action === 'keep');
    expect(keep?.regex).toBe(annotations['prometheus.io/scrape']);
    expect(annotations['prometheus.io/port']).toBe(String(DEFAULT_VALUES.ports.metrics));
  });
});
