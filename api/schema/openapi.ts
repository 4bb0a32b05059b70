// zod resource schema → Kubernetes structural OpenAPI v3 schema (the `openAPIV3Schema` of a
// CRD version), so generated CRDs and the control plane's validator cannot disagree. Fields built
// with api/schema/fields.ts carry their OpenAPI fragment as zod metadata. The CRD files and their
// generator live with the Kubernetes work (crds/); this is the conversion they build on.
import { z } from 'zod';

type Json = Record<string, unknown>;

const PRESERVE = { 'x-kubernetes-preserve-unknown-fields': true } as const;

/**
 * nullable(x) is the one union Kubernetes can type; other unions (a header map or a list of
 * maps) are accepted as free-form and left to the control plane's validation.
 */
const union = (branches: readonly Json[]): Json => {
  const others = branches.filter((b) => b.type !== 'null');
  const only = others[0];
  return others.length === 1 && only ? { ...(structural(only) as Json), nullable: true } : { ...PRESERVE };
};

/**
 * A loose object (known fields, others kept) cannot say so with additionalProperties beside
 * properties, which Kubernetes refuses as a pair; it keeps unknown fields this way instead.
 */
const looseAsPreserved = (node: Json): Json => {
  if (!node.properties || node.additionalProperties === undefined) return node;
  const { additionalProperties: _dropped, ...rest } = node;
  return { ...rest, ...PRESERVE };
};

/** JSON Schema (draft 2020-12) → Kubernetes structural OpenAPI v3 schema. */
const structural = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(structural);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Json;
  if (Object.keys(src).length === 0) return { ...PRESERVE }; // z.unknown(): any value
  const branches = (src.anyOf ?? src.oneOf) as Json[] | undefined;
  if (branches) return union(branches);
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$schema' || k === 'propertyNames') continue;
    if (k === 'additionalProperties' && v === false) continue; // Kubernetes prunes unknown fields itself
    if (k === 'const') out.enum = [v];
    else if (k === 'properties')
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, structural(s)]));
    else out[k] = structural(v);
  }
  return looseAsPreserved(out);
};

export const openApiSchemaOf = (schema: z.ZodType): Json => {
  const root = structural(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })) as Json;
  const properties = root.properties as Json;
  // The API server owns these: metadata may only be described as an object, status is free-form.
  properties.apiVersion = { type: 'string' };
  properties.kind = { type: 'string' };
  properties.metadata = { type: 'object' };
  properties.status = { type: 'object', ...PRESERVE };
  const required = ((root.required ?? []) as string[]).filter(
    (k) => !['apiVersion', 'kind', 'metadata'].includes(k),
  );
  return { ...root, required };
};
