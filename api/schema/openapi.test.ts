import { describe, expect, it } from 'vitest';
import { canarySchema } from './canary.ts';
import { faultInjectionSchema } from './fault-injection.ts';
import { grpcRouteSchema, httpRouteSchema } from './gateway-route.ts';
import { httpRouteGroupSchemas } from './http-route-group.ts';
import { trafficSplitSchemas } from './traffic-split.ts';
import { openApiSchemaOf } from './openapi.ts';
import { trafficPolicySchema } from './traffic-policy.ts';

const versions = (kind: string, all: Record<string, Parameters<typeof openApiSchemaOf>[0]>) =>
  Object.fromEntries(Object.entries(all).map(([v, sc]) => [`${kind} ${v}`, openApiSchemaOf(sc)]));
const schemas: Record<string, Record<string, unknown>> = {
  TrafficPolicy: openApiSchemaOf(trafficPolicySchema),
  FaultInjection: openApiSchemaOf(faultInjectionSchema),
  Canary: openApiSchemaOf(canarySchema),
  HTTPRoute: openApiSchemaOf(httpRouteSchema),
  GRPCRoute: openApiSchemaOf(grpcRouteSchema),
  ...versions('TrafficSplit', trafficSplitSchemas),
  ...versions('HTTPRouteGroup', httpRouteGroupSchemas),
};

describe('openApiSchemaOf', () => {
  it('are structural schemas Kubernetes accepts: every node typed or explicitly free-form, no JSON-Schema-only keywords', () => {
    const check = (node: Record<string, unknown>, path: string): void => {
      for (const banned of ['$schema', 'const', 'propertyNames', 'anyOf', 'oneOf', 'allOf'])
        expect(node, `${path} has ${banned}`).not.toHaveProperty(banned);
      const typed =
        'type' in node ||
        'x-kubernetes-preserve-unknown-fields' in node ||
        'x-kubernetes-int-or-string' in node;
      expect(typed, `${path} has no type`).toBe(true);
      expect(node.additionalProperties === false, `${path} forbids additionalProperties`).toBe(false);
      // The API server refuses a CRD whose node has both: they are mutually exclusive.
      expect(
        'properties' in node && 'additionalProperties' in node,
        `${path}: properties and additionalProperties`,
      ).toBe(false);
      for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>))
        check(v, `${path}.${k}`);
      if (typeof node.items === 'object') check(node.items as Record<string, unknown>, `${path}[]`);
      if (typeof node.additionalProperties === 'object')
        check(node.additionalProperties as Record<string, unknown>, `${path}{}`);
    };
    for (const [kind, schema] of Object.entries(schemas)) check(schema, kind);
  });

  it('describe the fields the validator knows, with their constraints', () => {
    const spec = (
      schemas.TrafficPolicy!.properties as Record<
        string,
        { properties: Record<string, { properties: Record<string, unknown> }> }
      >
    ).spec!;
    expect(spec.properties.timeout).toEqual({ type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' });
    expect(spec.properties.retries?.properties.attempts).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 10,
    });
    expect(spec.properties.targetRef?.properties.kind).toEqual({ type: 'string', enum: ['Service'] });
    expect(schemas.TrafficPolicy!.required).toEqual(['spec']);
    expect(schemas['HTTPRouteGroup specs.smi-spec.io/v1alpha1']?.required).toEqual([]); // matches may sit at the top
  });
});
