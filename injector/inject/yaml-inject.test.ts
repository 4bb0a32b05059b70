// `weft inject` on YAML text: workloads of every kind (and in Lists) are injected, other documents
// and comments survive, and bad input names the file, document and line.
import { parse, parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VALUES } from './values.ts';
import { injectYaml } from './yaml-inject.ts';
import { workloadKinds } from './workloads.ts';

const podTemplate = {
  metadata: { labels: { app: 'demo' } },
  spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
};
const specFor = (kind: string): object =>
  kind === 'CronJob'
    ? { schedule: '@hourly', jobTemplate: { spec: { template: podTemplate } } }
    : { template: podTemplate };

const workload = (kind: string): string => {
  const meta = { name: `demo-${kind.toLowerCase()}` };
  const obj =
    kind === 'Pod'
      ? { apiVersion: 'v1', kind, metadata: { ...meta, ...podTemplate.metadata }, spec: podTemplate.spec }
      : { apiVersion: 'v1', kind, metadata: meta, spec: specFor(kind) };
  // A comment on the app container, to see it survive.
  return stringify(obj).replace('- name: app', '- name: app # the app');
};

const ok = (text: string) => {
  const r = injectYaml(text, DEFAULT_VALUES, 'in.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

/** Names of all init containers anywhere in the object. */
const containersOf = (doc: unknown): string[] => {
  if (Array.isArray(doc)) return doc.flatMap(containersOf);
  if (typeof doc !== 'object' || doc === null) return [];
  return Object.entries(doc).flatMap(([k, v]) =>
    k === 'initContainers' && Array.isArray(v) ? v.map((c: { name: string }) => c.name) : containersOf(v),
  );
};

describe('injectYaml', () => {
  it.each(workloadKinds())('injects a %s', (kind) => {
    const out = ok(workload(kind));
    expect(out.workloads).toEqual([
      { document: 1, object: `${kind} demo-${kind.toLowerCase()}`, report: { inject: true }, changed: true },
    ]);
    expect(containersOf(parse(out.text))).toEqual(['weft-init', 'weft-proxy']);
  });

  it('injects the items of a List and leaves other kinds alone', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } },
        parse(workload('Deployment')),
      ],
    };
    const out = ok(JSON.stringify(list));
    const doc = parse(out.text) as typeof list;
    expect(doc.items[0]).toEqual(list.items[0]);
    expect(containersOf(doc.items[1])).toEqual(['weft-init', 'weft-proxy']);
  });

  it('keeps comments, other documents and their order', () => {
    const text = `# leading comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: s # svc\n---\n${workload('Deployment')}---\n# only a comment\n`;
    const out = ok(text).text;
    expect(
      out.startsWith('# leading comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: s # svc\n---\n'),
    ).toBe(true);
    expect(out).toContain('- name: app # the app');
    expect(out).toContain('# only a comment');
    expect(parseAllDocuments(out)).toHaveLength(3);
  });

  it('is idempotent: injecting the output again changes nothing', () => {
    const once = ok(workload('StatefulSet') + '---\n' + workload('Job')).text;
    expect(ok(once).text).toBe(once);
  });

  it('passes text without workloads through unchanged', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: v # why\n';
    expect(ok(text).text).toBe(text);
  });

  it('reports unparsable YAML with file, document and line', () => {
    const r = injectYaml(`${workload('Pod')}---\nkind: Pod\nmetadata: [oops\n`, DEFAULT_VALUES, 'bad.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]?.path).toMatch(/^bad\.yaml: document 2, line \d+$/);
  });

  it('reports bad annotations with the document and object', () => {
    const text = workload('Deployment').replace(
      'labels:',
      `annotations: { weft.io/exclude-inbound-ports: "x" }\n      labels:`,
    );
    const r = injectYaml(text, DEFAULT_VALUES, 'd.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error[0]?.path).toBe(
        'd.yaml: document 1 (Deployment demo-deployment): spec.template.metadata.annotations[weft.io/exclude-inbound-ports]',
      );
  });

  it('reports a workload without a pod template', () => {
    const r = injectYaml('kind: Deployment\nmetadata: {name: x}\nspec: {}\n', DEFAULT_VALUES, 'd.yaml');
    expect(!r.ok && r.error[0]).toEqual({
      path: 'd.yaml: document 1 (Deployment x): spec.template',
      message: 'is missing: expected a pod template',
    });
  });
});
