// `weft inject` on multi-document YAML: every workload (Pod, Deployment, …, also inside a List)
// gets the same mutation as the webhook gives a Pod, replayed as a JSONPatch onto the document so
// comments and ordering survive; other documents pass through unchanged.
import { parseAllDocuments, type Document } from 'yaml';
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';
import { injectPod } from './inject-pod.ts';
import { diffJson } from './json-patch.ts';
import { isJsonObject, type JsonObject } from './json.ts';
import type { PodLike } from './kube-types.ts';
import type { InjectReport } from './report.ts';
import type { InjectValues } from './values.ts';
import { podTemplatePath } from './workloads.ts';
import { applyPatchToDocument } from './yaml-patch.ts';

export interface WorkloadReport {
  /** 1-based document index in the input. */
  readonly document: number;
  /** "Deployment emojivoto/web". */
  readonly object: string;
  readonly report: InjectReport;
  /** Whether the document's text changed (a skipped pod may still get a skip annotation). */
  readonly changed: boolean;
}

export interface InjectedYaml {
  readonly text: string;
  readonly workloads: readonly WorkloadReport[];
}

interface Target {
  readonly object: JsonObject;
  readonly base: readonly (string | number)[];
}

const describe = (o: JsonObject): string => {
  const meta = isJsonObject(o['metadata']) ? o['metadata'] : {};
  const ns = typeof meta['namespace'] === 'string' ? `${meta['namespace']}/` : '';
  return `${String(o['kind'])} ${ns}${String(meta['name'] ?? '(unnamed)')}`;
};

const targetsOf = (root: JsonObject): Target[] =>
  root['kind'] === 'List' && Array.isArray(root['items'])
    ? root['items'].flatMap((item, i) => (isJsonObject(item) ? [{ object: item, base: ['items', i] }] : []))
    : [{ object: root, base: [] }];

const getPath = (o: JsonObject, path: readonly string[]): unknown =>
  path.reduce<unknown>((v, k) => (isJsonObject(v) ? v[k] : undefined), o);

/** Sequence style of the input (indented "- " under a key or not), so the output matches it. */
const indentsSequences = (text: string): boolean => {
  const m = /^( *)[^\s#-][^\n]*:[ \t]*\n( *)- /m.exec(text);
  return m ? (m[2] ?? '').length > (m[1] ?? '').length : true;
};

const injectDocument = (
  doc: Document,
  index: number,
  values: InjectValues,
  where: string,
): Result<WorkloadReport[]> => {
  const root: unknown = doc.toJS();
  if (!isJsonObject(root)) return ok([]);
  const reports: WorkloadReport[] = [];
  const issues: ConfigIssue[] = [];
  for (const t of targetsOf(root)) {
    const templatePath = podTemplatePath(t.object['kind']);
    if (!templatePath) continue;
    const at = `${where}: document ${index + 1} (${describe(t.object)})`;
    const template = templatePath.length ? getPath(t.object, templatePath) : t.object;
    if (!isJsonObject(template)) {
      issues.push({
        path: `${at}: ${templatePath.join('.')}`,
        message: 'is missing: expected a pod template',
      });
      continue;
    }
    const prefix = templatePath.length ? `${templatePath.join('.')}.` : '';
    const r = injectPod(template as PodLike, values, { pathPrefix: prefix, annotateSkip: true });
    if (!r.ok) {
      issues.push(...r.error.map((i) => ({ ...i, path: `${at}: ${i.path}` })));
      continue;
    }
    const ops = diffJson(template, r.value.pod);
    applyPatchToDocument(doc, [...t.base, ...templatePath], ops);
    reports.push({
      document: index + 1,
      object: describe(t.object),
      report: r.value.report,
      changed: ops.length > 0,
    });
  }
  return issues.length ? err(issues) : ok(reports);
};

/** Injects every workload in `text`; `where` names the input in messages (a file name or "stdin"). */
export const injectYaml = (text: string, values: InjectValues, where: string): Result<InjectedYaml> => {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  const parseIssues = list.flatMap((d, i) =>
    d.errors.map((e) => ({
      path: `${where}: document ${i + 1}, line ${e.linePos?.[0].line ?? '?'}`,
      message: `is not valid YAML: ${e.message.split('\n')[0]}`,
    })),
  );
  if (parseIssues.length) return err(parseIssues);
  const issues: ConfigIssue[] = [];
  const workloads: WorkloadReport[] = [];
  for (const [i, doc] of list.entries()) {
    const r = injectDocument(doc, i, values, where);
    if (r.ok) workloads.push(...r.value);
    else issues.push(...r.error);
  }
  if (issues.length) return err(issues);
  const indentSeq = indentsSequences(text);
  // Unchanged documents are copied from the input byte for byte; changed ones are re-serialized.
  const changed = new Set(workloads.filter((w) => w.changed).map((w) => w.document - 1));
  let from = 0;
  const parts = list.map((d, i) => {
    const source = text.slice(from, d.range[2]);
    from = d.range[2];
    return changed.has(i) ? d.toString({ indentSeq, flowCollectionPadding: false }) : source;
  });
  return ok({ text: parts.join('') + text.slice(from), workloads });
};
