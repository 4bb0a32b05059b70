// Which mutating webhooks a request goes to: rules (operations, groups, versions, resources,
// scope), namespaceSelector against the namespace's labels and objectSelector against the object's,
// in the real server's order (configurations by name, then webhooks as listed).
import type { AdmissionAttributes } from './rest-context.ts';
import { fromLabelSelectorObject, matchesRequirements, type Labels } from './selectors.ts';
import { isJsonObject, type Json, type JsonObject, type KubeObject } from './types.ts';

export interface Webhook {
  readonly configuration: string;
  readonly spec: JsonObject;
  readonly name: string;
}

const list = (v: Json | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);
const hit = (allowed: string[], value: string): boolean => allowed.includes('*') || allowed.includes(value);

const ruleMatches = (rule: JsonObject, a: AdmissionAttributes): boolean => {
  const resources = list(rule['resources']);
  const scope = typeof rule['scope'] === 'string' ? rule['scope'] : '*';
  const scopeOk = scope === '*' || (scope === 'Namespaced') === a.type.namespaced;
  return (
    hit(list(rule['operations']), a.operation) &&
    hit(list(rule['apiGroups']), a.type.group) &&
    hit(list(rule['apiVersions']), a.version) &&
    (hit(resources, a.type.plural) || resources.includes('*/*')) &&
    scopeOk
  );
};

export interface SelectDeps {
  /** Labels of a namespace, or undefined if it does not exist. */
  readonly namespaceLabels: (name: string) => Labels | undefined;
}

const namespaceMatches = (wh: JsonObject, a: AdmissionAttributes, deps: SelectDeps): boolean => {
  const reqs = fromLabelSelectorObject(wh['namespaceSelector']);
  if (a.type.group === '' && a.type.plural === 'namespaces') {
    return matchesRequirements(reqs, a.object.metadata.labels ?? {});
  }
  if (!a.type.namespaced) return true;
  return matchesRequirements(reqs, deps.namespaceLabels(a.namespace ?? '') ?? {});
};

const objectMatches = (wh: JsonObject, a: AdmissionAttributes): boolean => {
  const reqs = fromLabelSelectorObject(wh['objectSelector']);
  const labelsOf = (o: KubeObject | undefined): Labels | undefined =>
    o?.metadata.labels ?? (o ? {} : undefined);
  return [labelsOf(a.object), labelsOf(a.oldObject)].some(
    (l) => l !== undefined && matchesRequirements(reqs, l),
  );
};

export const webhookApplies = (wh: JsonObject, a: AdmissionAttributes, deps: SelectDeps): boolean => {
  const rules = Array.isArray(wh['rules']) ? wh['rules'].filter(isJsonObject) : [];
  return rules.some((r) => ruleMatches(r, a)) && namespaceMatches(wh, a, deps) && objectMatches(wh, a);
};

/** Webhooks of all configurations, in call order. */
export const orderedWebhooks = (configurations: readonly KubeObject[]): Webhook[] =>
  [...configurations]
    .sort((x, y) => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''))
    .flatMap((c) => {
      const hooks = Array.isArray(c['webhooks']) ? c['webhooks'].filter(isJsonObject) : [];
      return hooks.map((spec) => ({
        configuration: c.metadata.name ?? '',
        spec,
        name: String(spec['name'] ?? ''),
      }));
    });
