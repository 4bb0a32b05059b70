// Every CustomResourceDefinition weft installs, built from the same zod schemas the control plane
// validates with (api/schema/openapi.ts turns them into structural OpenAPI). SMI kinds keep their
// upstream groups, versions and field names; weft's own kinds live in policy.weft.io.
import type { z } from 'zod';
import { canarySchema } from '../canary.ts';
import { faultInjectionSchema } from '../fault-injection.ts';
import { httpRouteGroupSchemas } from '../http-route-group.ts';
import { openApiSchemaOf } from '../openapi.ts';
import { trafficPolicySchema } from '../traffic-policy.ts';
import { trafficSplitSchemas } from '../traffic-split.ts';
import { trafficTargetSchema } from './traffic-target.ts';

type Json = Record<string, unknown>;

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
}

export interface CrdVersion {
  readonly name: string;
  readonly schema: Json;
}

export interface CrdDefinition {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly versions: readonly CrdVersion[];
  readonly storageVersion: string;
  readonly columns: readonly PrinterColumn[];
  readonly statusSubresource: boolean;
  /** Versions differ in shape: the API server converts through the control plane's /convert. */
  readonly conversionWebhook: boolean;
  /** One line for docs/crds/<kind>.md and the CRD's annotation. */
  readonly summary: string;
  /** More metadata.annotations (a `*.k8s.io` group needs its API approval named). */
  readonly annotations?: Readonly<Record<string, string>>;
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const ACCEPTED: PrinterColumn = {
  name: 'Accepted',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Accepted")].status',
  description: 'Whether the control plane accepted the object (see .status.conditions for why not)',
};
const TARGET: PrinterColumn = { name: 'Target', type: 'string', jsonPath: '.spec.targetRef.name' };

/** metav1.Condition. */
export const CONDITION_SCHEMA: Json = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string', maxLength: 316 },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: { type: 'string', maxLength: 1024 },
    message: { type: 'string', maxLength: 32768 },
  },
};

/** The CRD's status: conditions as metav1.Condition, written by the leader replica. */
const STATUS_SCHEMA: Json = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64' },
    conditions: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: CONDITION_SCHEMA,
    },
  },
};

const withStatus = (schema: Json, extra: Json = {}): Json => ({
  ...schema,
  properties: {
    ...(schema.properties as Json),
    status: { ...STATUS_SCHEMA, properties: { ...(STATUS_SCHEMA.properties as Json), ...extra } },
  },
});

/**
 * A FaultInjection's experiment as the leader recorded it: every replica times the fault from
 * this start (control-plane/sources/kube/fault-start.ts), so they all end it together.
 */
const FAULT_STATUS: Json = {
  startTime: { type: 'string', format: 'date-time', description: 'when the experiment started' },
  endTime: { type: 'string', format: 'date-time', description: 'startTime + spec.duration' },
  startedGeneration: {
    type: 'integer',
    format: 'int64',
    description: 'the metadata.generation that started at startTime (a spec change starts anew)',
  },
};

/** A Canary's rollout as the controller records it (control-plane/canary/status.ts). */
const CANARY_STATUS: Json = {
  phase: { type: 'string', enum: ['Progressing', 'Paused', 'Promoted', 'RolledBack'] },
  canaryWeight: {
    type: 'integer',
    minimum: 0,
    maximum: 100,
    description: 'the canary backend’s percent now',
  },
  stepIndex: { type: 'integer', minimum: 0, description: 'the step the rollout is at' },
  specHash: { type: 'string', description: 'hash of the spec the analysis ran against' },
  failedIntervals: { type: 'integer', minimum: 0 },
  weightHistory: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-list-type': 'atomic' },
  analysis: {
    type: 'array',
    'x-kubernetes-list-type': 'atomic',
    description: 'the latest analysis intervals with their figures',
    items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

/** Drops spec fields a version does not have (the zod schema refuses them with a hint instead). */
const withoutSpecFields = (schema: Json, fields: readonly string[]): Json => {
  const props = schema.properties as { spec: { properties: Json } };
  const spec = { ...props.spec, properties: { ...props.spec.properties } };
  for (const f of fields) delete spec.properties[f];
  return { ...schema, properties: { ...props, spec } };
};

const versionsOf = (
  all: Readonly<Record<string, z.ZodType>>,
  adjust: (version: string, schema: Json) => Json = (_v, s) => s,
): CrdVersion[] =>
  Object.entries(all).map(([apiVersion, s]) => {
    const name = apiVersion.slice(apiVersion.indexOf('/') + 1);
    return { name, schema: adjust(name, openApiSchemaOf(s)) };
  });

/** weft's own kinds: one version, a status subresource with the Accepted condition. */
const weftKind = (
  kind: string,
  plural: string,
  shortName: string,
  schema: z.ZodType,
  o: { readonly columns: readonly PrinterColumn[]; readonly summary: string; readonly status?: Json },
): CrdDefinition => ({
  group: 'policy.weft.io',
  kind,
  plural,
  shortNames: [shortName],
  categories: ['weft'],
  versions: [{ name: 'v1alpha1', schema: withStatus(openApiSchemaOf(schema), o.status) }],
  storageVersion: 'v1alpha1',
  columns: [TARGET, ...o.columns, ACCEPTED, AGE],
  statusSubresource: true,
  conversionWebhook: false,
  summary: o.summary,
});

export const CRDS: readonly CrdDefinition[] = [
  {
    group: 'split.smi-spec.io',
    kind: 'TrafficSplit',
    plural: 'trafficsplits',
    shortNames: ['ts'],
    categories: ['smi', 'weft'],
    versions: versionsOf(trafficSplitSchemas, (v, s) =>
      v === 'v1alpha1' || v === 'v1alpha2' ? withoutSpecFields(s, ['matches']) : s,
    ),
    storageVersion: 'v1alpha4',
    columns: [{ name: 'Service', type: 'string', jsonPath: '.spec.service' }, AGE],
    statusSubresource: false,
    conversionWebhook: true,
    summary: 'SMI TrafficSplit: shares of a root Service’s traffic sent to backend Services by weight.',
  },
  {
    group: 'specs.smi-spec.io',
    kind: 'HTTPRouteGroup',
    plural: 'httproutegroups',
    shortNames: ['htr'],
    categories: ['smi', 'weft'],
    versions: versionsOf(httpRouteGroupSchemas),
    storageVersion: 'v1alpha4',
    columns: [AGE],
    statusSubresource: false,
    conversionWebhook: true,
    summary: 'SMI HTTPRouteGroup: named HTTP request matches (path regex, methods, headers).',
  },
  {
    group: 'access.smi-spec.io',
    kind: 'TrafficTarget',
    plural: 'traffictargets',
    shortNames: ['tt'],
    categories: ['smi', 'weft'],
    versions: ['v1alpha2', 'v1alpha3'].map((name) => ({
      name,
      schema: openApiSchemaOf(trafficTargetSchema),
    })),
    storageVersion: 'v1alpha3',
    columns: [
      { name: 'Destination', type: 'string', jsonPath: '.spec.destination.name' },
      {
        name: 'Namespace',
        type: 'string',
        jsonPath: '.spec.destination.namespace',
        description: 'of the destination service account',
      },
      AGE,
    ],
    statusSubresource: false,
    conversionWebhook: false,
    summary:
      'SMI TrafficTarget: which service accounts may call a destination service account, on which routes.',
  },
  weftKind('TrafficPolicy', 'trafficpolicies', 'tp', trafficPolicySchema, {
    columns: [
      { name: 'Timeout', type: 'string', jsonPath: '.spec.timeout' },
      { name: 'Attempts', type: 'integer', jsonPath: '.spec.retries.attempts' },
    ],
    summary: 'weft TrafficPolicy: timeout, retries, circuit breaking and outlier detection for one Service.',
  }),
  weftKind('FaultInjection', 'faultinjections', 'fi', faultInjectionSchema, {
    columns: [
      { name: 'Delay', type: 'string', jsonPath: '.spec.delay.fixed' },
      { name: 'Abort', type: 'integer', jsonPath: '.spec.abort.httpStatus' },
      { name: 'Duration', type: 'string', jsonPath: '.spec.duration' },
      { name: 'Ends', type: 'string', jsonPath: '.status.endTime' },
    ],
    status: FAULT_STATUS,
    summary:
      'weft FaultInjection: delay or abort a share of the requests to one Service, for a limited time.',
  }),
  weftKind('Canary', 'canaries', 'can', canarySchema, {
    columns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Weight', type: 'integer', jsonPath: '.status.canaryWeight' },
    ],
    status: CANARY_STATUS,
    summary:
      'weft Canary: moves a Service’s traffic to a canary backend in steps, judged by the mesh’s own metrics.',
  }),
];
