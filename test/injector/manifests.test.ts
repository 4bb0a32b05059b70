// Real public manifests (Istio's bookinfo, Linkerd's emojivoto), kept beside the repo in
// ../shared/testdata/manifests and never copied in: every workload injects, the output parses,
// injecting twice equals once, and the webhook path through the API stand-in gives the same pod
// as `weft inject`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssues } from '../../api/model/result.ts';
import type { JsonObject } from '../../injector/inject/json.ts';
import { DEFAULT_VALUES } from '../../injector/inject/values.ts';
import { injectYaml } from '../../injector/inject/yaml-inject.ts';
import { opensslAvailable } from '../kube-apiserver/certs.ts';
import { injectWithCli, MESHED, startHarness, type Harness } from './harness.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(repoRoot, '../shared/testdata/manifests');
const FILES = ['bookinfo.yaml', 'emojivoto.yaml'];
const present = FILES.every((f) => existsSync(path.join(dir, f)));
const absent = present ? '' : ` (SKIPPED: ${dir} not found; the shared test manifests live beside the repo)`;

const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
const docsOf = (text: string): JsonObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is JsonObject => typeof o === 'object' && o !== null);
const injected = (text: string, where: string) => {
  const r = injectYaml(text, DEFAULT_VALUES, where);
  if (!r.ok) throw new Error(formatIssues(r.error));
  return r.value;
};

interface Template {
  metadata?: JsonObject;
  spec: JsonObject;
}

const deployments = (f: string) =>
  docsOf(read(f))
    .filter((o) => o['kind'] === 'Deployment')
    .map((o) => ({
      name: String((o['metadata'] as JsonObject)['name']),
      template: (o['spec'] as unknown as { template: Template }).template,
    }));

describe.skipIf(!present)(`public manifests${absent}`, () => {
  it.each(FILES)('%s: every workload is injected and the output parses', (f) => {
    const out = injected(read(f), f);
    const want = docsOf(read(f)).filter((o) => o['kind'] === 'Deployment').length;
    expect(want).toBeGreaterThan(0);
    expect(out.workloads).toHaveLength(want);
    expect(out.workloads.every((w) => w.report.inject)).toBe(true);
    const parsed = parseAllDocuments(out.text);
    expect(parsed.flatMap((d) => d.errors)).toEqual([]);
    for (const o of docsOf(out.text).filter((d) => d['kind'] === 'Deployment')) {
      const spec = (o['spec'] as unknown as { template: Template }).template.spec;
      expect((spec['initContainers'] as { name: string }[]).map((c) => c.name)).toEqual([
        'weft-init',
        'weft-proxy',
      ]);
    }
  });

  it.each(FILES)('%s: other documents are unchanged', (f) => {
    const before = docsOf(read(f)).filter((o) => o['kind'] !== 'Deployment');
    const after = docsOf(injected(read(f), f).text).filter((o) => o['kind'] !== 'Deployment');
    expect(after).toEqual(before);
  });

  it.each(FILES)('%s: comments survive', (f) => {
    const out = injected(read(f), f).text;
    const comments = read(f)
      .split('\n')
      .filter((l) => l.trim().startsWith('#'));
    for (const c of comments) expect(out).toContain(c);
  });

  it.each(FILES)('%s: injecting twice equals injecting once', (f) => {
    const once = injected(read(f), f).text;
    const twice = injected(once, f);
    expect(twice.text).toBe(once);
    expect(twice.workloads.every((w) => !w.report.inject && w.report.reason === 'already-injected')).toBe(
      true,
    );
  });
});

describe.skipIf(!present || !opensslAvailable())(`public manifests through the API stand-in${absent}`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const cases = present
    ? FILES.flatMap((f) => deployments(f).map((d) => [f, d.name, d.template] as const))
    : [];

  it.each(cases)('%s %s: the webhook gives the pod `weft inject` gives', async (_, name, template) => {
    const pod: JsonObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...template.metadata, name },
      spec: template.spec,
    };
    const created = await h.createPod(MESHED, pod);
    const cli = injectWithCli(pod);
    expect(created['spec']).toEqual(cli['spec']);
    const annotations = (created['metadata'] as JsonObject)['annotations'];
    expect(annotations).toEqual((cli['metadata'] as JsonObject)['annotations']);
    expect(annotations).toMatchObject({ 'weft.io/injected': 'true', 'prometheus.io/scrape': 'true' });
  });
});
