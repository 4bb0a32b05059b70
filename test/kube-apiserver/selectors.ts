// Label and field selectors, in both forms the API uses: the query-string syntax of list/watch
// (`app=web,tier in (a,b),!canary`) and the LabelSelector object of webhooks
// (matchLabels + matchExpressions). Both compile to one requirement list and one matcher.
import { badRequest } from './status.ts';
import { isJsonObject, type Json, type KubeObject } from './types.ts';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

export const matchesRequirements = (reqs: readonly Requirement[], labels: Labels): boolean =>
  reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.operator) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && r.values.includes(labels[r.key] as string);
      case 'NotIn':
        // As in Kubernetes: a missing label satisfies NotIn.
        return !has || !r.values.includes(labels[r.key] as string);
    }
    return false;
  });

/** Split on commas that are not inside a `(…)` value set. */
const splitTopLevel = (s: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
};

const SET_RE = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/;
const EQ_RE = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/;
const EXISTS_RE = /^(!?)\s*([^\s!=(),]+)$/;

const parseOne = (term: string): Requirement => {
  const set = SET_RE.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    return { key: set[1] as string, operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const eq = EQ_RE.exec(term);
  if (eq) {
    return { key: eq[1] as string, operator: eq[2] === '!=' ? 'NotIn' : 'In', values: [eq[3] as string] };
  }
  const ex = EXISTS_RE.exec(term);
  if (ex) return { key: ex[2] as string, operator: ex[1] ? 'DoesNotExist' : 'Exists', values: [] };
  throw badRequest(`unable to parse requirement: found '${term}', expected a label selector term`);
};

/** Parse `labelSelector=` syntax; throws a BadRequest ApiError as the real server answers 400. */
export const parseLabelSelector = (s: string | null | undefined): Requirement[] =>
  s ? splitTopLevel(s).map(parseOne) : [];

const OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** A metav1.LabelSelector object (webhook namespaceSelector/objectSelector). Absent matches all. */
export const fromLabelSelectorObject = (sel: Json | undefined): Requirement[] => {
  if (!isJsonObject(sel)) return [];
  const reqs: Requirement[] = [];
  const ml = sel['matchLabels'];
  if (isJsonObject(ml)) {
    for (const [key, v] of Object.entries(ml)) reqs.push({ key, operator: 'In', values: [String(v)] });
  }
  const me = sel['matchExpressions'];
  for (const e of Array.isArray(me) ? me : []) {
    if (!isJsonObject(e) || typeof e['operator'] !== 'string' || !OPERATORS.includes(e['operator'])) {
      throw badRequest(`invalid label selector expression ${JSON.stringify(e)}`);
    }
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    reqs.push({ key: String(e['key']), operator: e['operator'] as Operator, values });
  }
  return reqs;
};

// Field selectors: the real server accepts metadata.name/namespace everywhere plus a per-kind list;
// anything else is a 400, so a client relying on an unsupported field fails here as it would there.
const EXTRA_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec.nodeName', 'spec.serviceAccountName', 'spec.restartPolicy', 'status.phase', 'status.podIP'],
  Secret: ['type'],
  Event: [
    'involvedObject.kind',
    'involvedObject.name',
    'involvedObject.namespace',
    'involvedObject.uid',
    'reason',
    'type',
  ],
  Namespace: ['status.phase'],
};

export interface FieldRequirement {
  readonly path: string;
  readonly negate: boolean;
  readonly value: string;
}

export const parseFieldSelector = (s: string | null | undefined, kind: string): FieldRequirement[] => {
  if (!s) return [];
  const allowed = ['metadata.name', 'metadata.namespace', ...(EXTRA_FIELDS[kind] ?? [])];
  return splitTopLevel(s).map((term) => {
    const m = /^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: '${term}'`);
    const path = m[1] as string;
    if (!allowed.includes(path)) {
      throw badRequest(`field label not supported: ${path} (supported for ${kind}: ${allowed.join(', ')})`);
    }
    return { path, negate: m[2] === '!=', value: m[3] as string };
  });
};

const fieldValue = (obj: KubeObject, path: string): string => {
  let cur: unknown = obj;
  for (const part of path.split('.')) cur = isJsonObject(cur) ? cur[part] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
};

export const matchesFields = (reqs: readonly FieldRequirement[], obj: KubeObject): boolean =>
  reqs.every((r) => (fieldValue(obj, r.path) === r.value) !== r.negate);

export interface ObjectFilter {
  readonly labels: readonly Requirement[];
  readonly fields: readonly FieldRequirement[];
}

export const matchesFilter = (f: ObjectFilter, obj: KubeObject): boolean =>
  matchesRequirements(f.labels, obj.metadata.labels ?? {}) && matchesFields(f.fields, obj);
