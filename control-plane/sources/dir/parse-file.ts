// Pure: one YAML file's text → its resources and every problem in it. Multi-document files,
// YAML syntax errors reported with their line, each object validated by api/schema.
import { parseAllDocuments, type YAMLError } from 'yaml';
import type { ConfigIssue } from '../../../api/model/result.ts';
import { fileTooLarge } from '../../../api/schema/limits.ts';
import { parseResource, type ParseOptions } from '../../../api/schema/resources.ts';
import type { SourcedResource } from '../types.ts';

export interface ParsedFile {
  readonly resources: readonly SourcedResource[];
  readonly issues: readonly ConfigIssue[];
  /** "apiVersion kind" of objects weft does not read (logged once by the caller). */
  readonly ignored: readonly string[];
}

const yamlIssue = (file: string, e: YAMLError): ConfigIssue => {
  const line = e.linePos?.[0].line;
  const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  return { path: line ? `${file}:${line}` : file, message: `is not valid YAML: ${what}` };
};

export const parseFile = (file: string, text: string, opts: ParseOptions): ParsedFile => {
  const tooLarge = fileTooLarge(Buffer.byteLength(text));
  if (tooLarge) return { resources: [], issues: [{ path: file, message: tooLarge }], ignored: [] };
  const resources: SourcedResource[] = [];
  const issues: ConfigIssue[] = [];
  const ignored: string[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: true })) {
    const syntax = doc.errors[0]; // the first error is the cause; later ones are usually echoes
    if (syntax) {
      issues.push(yamlIssue(file, syntax));
      continue;
    }
    let obj: unknown;
    try {
      obj = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // An unresolved alias or an alias bomb throws here, not in doc.errors (found by fast-check):
      // one bad document must be an issue with its file, not a failed scan of the whole folder.
      issues.push({ path: file, message: `is not valid YAML: ${(e as Error).message}` });
      continue;
    }
    if (obj === null || obj === undefined) continue; // empty document, e.g. a trailing "---"
    const r = parseResource(obj, opts);
    if (!r.ok) issues.push(...r.error.map((i) => ({ path: `${file}: ${i.path}`, message: i.message })));
    else if (r.value) resources.push({ resource: r.value, origin: file });
    else {
      const o = obj as { apiVersion?: unknown; kind?: unknown };
      ignored.push(`${String(o.apiVersion)} ${String(o.kind)}`);
    }
  }
  return { resources, issues, ignored };
};
