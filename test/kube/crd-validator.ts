// Validates custom objects against a CRD's structural schema the way `kubectl apply` ends up
// judged by the API server with strict field validation: types, bounds, enums, required fields,
// and no unknown fields except under x-kubernetes-preserve-unknown-fields.
import { Ajv, type ValidateFunction } from 'ajv';

type Json = Record<string, unknown>;

/** Structural schema → JSON Schema for Ajv (int-or-string as a union, unknown fields refused). */
export const toAjvSchema = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'properties')
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, toAjvSchema(s)]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = toAjvSchema(v);
    else out[k] = v;
  }
  return finish(src, out);
};

/** The Kubernetes-only markers, in JSON Schema terms. */
const finish = (src: Json, out: Json): Json => {
  if (src['x-kubernetes-int-or-string'] === true)
    return { ...out, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  const open = src['x-kubernetes-preserve-unknown-fields'] === true;
  if (src.type === 'object' && src.properties && !open && src.additionalProperties === undefined)
    out.additionalProperties = false;
  if (src.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    delete out.nullable;
  }
  return out;
};

export interface CrdValidators {
  /** undefined when valid, else Ajv's messages; throws for a kind/version no CRD serves. */
  validate(obj: Json): string | undefined;
  serves(apiVersion: string, kind: string): boolean;
}

export const crdValidators = (crds: readonly Json[]): CrdValidators => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const byKey = new Map<string, ValidateFunction>();
  for (const crd of crds) {
    const spec = crd.spec as {
      group: string;
      names: { kind: string };
      versions: { name: string; schema: { openAPIV3Schema: Json } }[];
    };
    for (const v of spec.versions)
      byKey.set(
        `${spec.group}/${v.name} ${spec.names.kind}`,
        ajv.compile(toAjvSchema(v.schema.openAPIV3Schema) as Json),
      );
  }
  return {
    serves: (apiVersion, kind) => byKey.has(`${apiVersion} ${kind}`),
    validate(obj) {
      const fn = byKey.get(`${String(obj.apiVersion)} ${String(obj.kind)}`);
      if (!fn) throw new Error(`no CRD serves ${String(obj.apiVersion)} ${String(obj.kind)}`);
      return fn(obj) ? undefined : ajv.errorsText(fn.errors);
    },
  };
};
