// The Gateway API kinds weft reads (gateway.networking.k8s.io), as CRDs for clusters that have
// none: HTTPRoute and GRPCRoute at v1 from the same zod schemas the control plane parses them with,
// and ReferenceGrant at v1beta1. A subset of the upstream standard channel (no Gateway or
// GatewayClass, one served route version), so they are opt-in (`weft install --gateway-api-crds`)
// and never printed by default: a cluster that already has the upstream CRDs keeps them.
import { z } from 'zod';
import { grpcRouteSchema, httpRouteSchema } from '../gateway-route.ts';
import { openApiSchemaOf } from '../openapi.ts';
import { CONDITION_SCHEMA, type CrdDefinition, type PrinterColumn } from './definitions.ts';

type Json = Record<string, unknown>;

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * The API server refuses CRDs in `*.k8s.io` groups that do not name their API review; this is the
 * approval the upstream Gateway API CRDs carry.
 */
const APPROVAL = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/2466' };

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const HOSTNAMES: PrinterColumn = { name: 'Hostnames', type: 'string', jsonPath: '.spec.hostnames' };

/** RouteStatus as the spec defines it: one entry per parent, owned by the controller it names. */
const ROUTE_STATUS: Json = {
  type: 'object',
  required: ['parents'],
  properties: {
    parents: {
      type: 'array',
      maxItems: 32,
      items: {
        type: 'object',
        required: ['parentRef', 'controllerName'],
        properties: {
          parentRef: {
            type: 'object',
            required: ['name'],
            properties: {
              group: { type: 'string', maxLength: 253 },
              kind: { type: 'string', maxLength: 63 },
              namespace: { type: 'string', maxLength: 63 },
              name: { type: 'string', minLength: 1, maxLength: 253 },
              sectionName: { type: 'string', maxLength: 253 },
              port: { type: 'integer', format: 'int32', minimum: 1, maximum: 65_535 },
            },
          },
          controllerName: { type: 'string', minLength: 1, maxLength: 253 },
          conditions: {
            type: 'array',
            maxItems: 8,
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['type'],
            items: CONDITION_SCHEMA,
          },
        },
      },
    },
  },
};

const routeSchema = (schema: z.ZodType): Json => {
  const s = openApiSchemaOf(schema);
  return { ...s, properties: { ...(s.properties as Json), status: ROUTE_STATUS } };
};

const refName = z.string().min(1).max(253);
const group = z.string().max(253);
const kind = z.string().min(1).max(63);

/** ReferenceGrant (v1beta1): which kinds in other namespaces may refer to objects in this one. */
export const referenceGrantSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.literal('ReferenceGrant'),
  metadata: z.looseObject({}),
  spec: z.strictObject({
    from: z
      .array(z.strictObject({ group, kind, namespace: z.string().min(1).max(63) }))
      .min(1)
      .max(16),
    to: z
      .array(z.strictObject({ group, kind, name: refName.optional() }))
      .min(1)
      .max(16),
  }),
});

const route = (kind: 'HTTPRoute' | 'GRPCRoute', schema: z.ZodType, summary: string): CrdDefinition => ({
  group: GATEWAY_API_GROUP,
  kind,
  plural: `${kind.toLowerCase()}s`,
  shortNames: [],
  categories: ['gateway-api'],
  versions: [{ name: 'v1', schema: routeSchema(schema) }],
  storageVersion: 'v1',
  columns: [HOSTNAMES, AGE],
  statusSubresource: true,
  conversionWebhook: false,
  summary,
  annotations: APPROVAL,
});

export const GATEWAY_API_CRDS: readonly CrdDefinition[] = [
  route(
    'HTTPRoute',
    httpRouteSchema,
    'Gateway API HTTPRoute: HTTP routing rules; with a Service as parent, routes the mesh’s calls to it.',
  ),
  route(
    'GRPCRoute',
    grpcRouteSchema,
    'Gateway API GRPCRoute: gRPC routing rules; with a Service as parent, routes the mesh’s calls to it.',
  ),
  {
    group: GATEWAY_API_GROUP,
    kind: 'ReferenceGrant',
    plural: 'referencegrants',
    shortNames: ['refgrant'],
    categories: ['gateway-api'],
    versions: [{ name: 'v1beta1', schema: openApiSchemaOf(referenceGrantSchema) }],
    storageVersion: 'v1beta1',
    columns: [AGE],
    statusSubresource: false,
    conversionWebhook: false,
    summary: 'Gateway API ReferenceGrant: lets routes in other namespaces refer to objects in this one.',
    annotations: APPROVAL,
  },
];
