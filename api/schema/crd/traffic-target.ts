// SMI TrafficTarget (access.smi-spec.io) as a zod schema, only to describe it in its CRD: the
// control plane reads TrafficTarget objects with control-plane/index/traffic-target.ts, which
// keeps its own (looser) schema because it must also read objects written before this CRD.
import { z } from 'zod';

const name = z.string().min(1);
const subject = z.strictObject({ kind: name, name, namespace: name.optional() });

export const trafficTargetSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.literal('TrafficTarget'),
  metadata: z.looseObject({}),
  spec: z.strictObject({
    destination: subject.extend({ port: z.number().int().min(1).max(65_535).optional() }),
    sources: z.array(subject).min(1),
    rules: z.array(z.strictObject({ kind: name, name, matches: z.array(name).optional() })).min(1),
  }),
});
