// Static endpoints for local mode: discovery.k8s.io/v1 EndpointSlice and core v1 Endpoints.
// Server-written fields (nodeName, zone, hints, targetRef) are accepted and ignored.
import { z } from 'zod';
import { flag, oneOf, port, text } from './fields.ts';
import { envelope } from './meta.ts';
import {
  MAX_ENDPOINTS_ADDRESSES,
  MAX_SLICE_ADDRESSES,
  MAX_SLICE_ENDPOINTS,
  MAX_SLICE_PORTS,
} from './limits.ts';

const ignored = z.unknown().optional();
const nullableFlag = flag().nullable().optional();

const endpointPort = z.strictObject({
  name: z.string().optional(),
  port: port().optional(),
  protocol: oneOf(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().optional(),
});

export const endpointSliceSchema = envelope(['discovery.k8s.io/v1'], 'EndpointSlice', {
  addressType: oneOf(['IPv4', 'IPv6', 'FQDN']),
  endpoints: z
    .array(
      z.strictObject({
        addresses: z.array(text()).min(1).max(MAX_SLICE_ADDRESSES),
        conditions: z
          .strictObject({ ready: nullableFlag, serving: nullableFlag, terminating: nullableFlag })
          .optional(),
        hostname: ignored,
        nodeName: ignored,
        zone: ignored,
        hints: ignored,
        targetRef: ignored,
        deprecatedTopology: ignored,
      }),
    )
    .max(MAX_SLICE_ENDPOINTS)
    .nullable()
    .optional(),
  ports: z.array(endpointPort).max(MAX_SLICE_PORTS).nullable().optional(),
});
export type EndpointSliceResource = z.infer<typeof endpointSliceSchema>;

const endpointAddress = z.strictObject({
  ip: text(),
  hostname: ignored,
  nodeName: ignored,
  targetRef: ignored,
});

export const endpointsSchema = envelope(['v1'], 'Endpoints', {
  subsets: z
    .array(
      z.strictObject({
        addresses: z.array(endpointAddress).max(MAX_ENDPOINTS_ADDRESSES).optional(),
        notReadyAddresses: z.array(endpointAddress).max(MAX_ENDPOINTS_ADDRESSES).optional(),
        ports: z.array(endpointPort).optional(),
      }),
    )
    .optional(),
});
export type EndpointsResource = z.infer<typeof endpointsSchema>;
