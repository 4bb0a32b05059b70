// Generates weft's CustomResourceDefinitions from the zod schemas, so the validator and the
// CRD can never disagree. `node api/schema/crd.ts --write` refreshes crds/; a test fails when
// the committed file is stale.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { z } from 'zod';
import { faultInjectionSchema } from './fault-injection.ts';
import { trafficPolicySchema } from './traffic-policy.ts';

type Json = Record<string, unknown>;

const PRESERVE = { 'x-kubernetes-preserve-unknown-fields': true } as const;

/** JSON Schema (draft 2020-12) → Kubernetes structural OpenAPI v3 schema. */
const structural = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(structural);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Json;
  if (Object.keys(src).length === 0) return { ...PRESERVE }; // z.unknown(): any value
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$schema' || k === 'propertyNames') continue;
    if (k === 'additionalProperties' && v === false) continue; // Kubernetes prunes unknown fields itself
    if (k === 'const') out.enum = [v];
    else if (k === 'properties')
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, structural(s)]));
    else out[k] = structural(v);
  }
  return out;
};

export const openApiSchemaOf = (schema: z.ZodType): Json => {
  const root = structural(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })) as Json;
  const properties = root.properties as Json;
  // The API server owns these: metadata may only be described as an object, status is free-form.
  properties.apiVersion = { type: 'string' };
  properties.kind = { type: 'string' };
  properties.metadata = { type: 'object' };
  properties.status = { type: 'object', ...PRESERVE };
  return { ...root, required: ['spec'] };
};

interface CrdSpec {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly schema: z.ZodType;
}

const GROUP = 'policy.weft.io';

const crd = (c: CrdSpec): Json => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${c.plural}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: {
      kind: c.kind,
      listKind: `${c.kind}List`,
      plural: c.plural,
      singular: c.kind.toLowerCase(),
      shortNames: c.shortNames,
    },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Target', type: 'string', jsonPath: '.spec.targetRef.name' }],
        schema: { openAPIV3Schema: openApiSchemaOf(c.schema) },
      },
    ],
  },
});

export const weftCrds = (): Json[] => [
  crd({ kind: 'TrafficPolicy', plural: 'trafficpolicies', shortNames: ['wtp'], schema: trafficPolicySchema }),
  crd({
    kind: 'FaultInjection',
    plural: 'faultinjections',
    shortNames: ['wfi'],
    schema: faultInjectionSchema,
  }),
];

export const CRD_FILE = fileURLToPath(new URL('../../crds/policy.weft.io.yaml', import.meta.url));

export const renderCrds = (): string =>
  [
    '# Generated from api/schema/*.ts by `node api/schema/crd.ts --write`. Do not edit by hand.\n',
    ...weftCrds().map((c, i) => `${i > 0 ? '---\n' : ''}${stringify(c, { lineWidth: 0 })}`),
  ].join('');

if (import.meta.main && process.argv.includes('--write')) await writeFile(CRD_FILE, renderCrds());
