// The wire schema of ServiceView.httpRoutes (api/model/http-route.ts): what a sidecar checks
// before it compiles a pushed route table. Regexes are checked here too, so a table that would
// throw while the stack is built is NACKed instead.
import { z } from 'zod';
import type { HttpFilterView, HttpRouteTableView } from '../model/http-route.ts';
import type { RetryPolicyView } from '../model/policy.ts';

const port = z.number().int().min(1).max(65_535);
const compiles = (re: string): boolean => {
  try {
    new RegExp(re);
    return true;
  } catch {
    return false;
  }
};
const regexOk = { error: 'is not a valid regular expression' };

const valueMatch = z
  .looseObject({ name: z.string().min(1), type: z.enum(['Exact', 'RegularExpression']), value: z.string() })
  .refine((m) => m.type === 'Exact' || compiles(m.value), regexOk);

const match = z.looseObject({
  path: z
    .looseObject({ type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']), value: z.string() })
    .refine((p) => p.type !== 'RegularExpression' || compiles(p.value), regexOk)
    .optional(),
  headers: z.array(valueMatch).optional(),
  queryParams: z.array(valueMatch).optional(),
  method: z.string().optional(),
});

const pair = z.looseObject({ name: z.string().min(1), value: z.string() });
const edit = z.looseObject({
  set: z.array(pair).optional(),
  add: z.array(pair).optional(),
  remove: z.array(z.string()).optional(),
});
const pathModifier = z.looseObject({
  type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  value: z.string(),
});

const filter: z.ZodType<HttpFilterView> = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('RequestHeaderModifier'), edit }),
  z.looseObject({ type: z.literal('ResponseHeaderModifier'), edit }),
  z.looseObject({
    type: z.literal('RequestRedirect'),
    scheme: z.string().optional(),
    hostname: z.string().optional(),
    port: port.optional(),
    path: pathModifier.optional(),
    statusCode: z.number().int(),
  }),
  z.looseObject({
    type: z.literal('URLRewrite'),
    hostname: z.string().optional(),
    path: pathModifier.optional(),
  }),
  z.looseObject({ type: z.literal('RequestMirror'), service: z.string().min(1), port: port.optional() }),
  z.looseObject({ type: z.literal('Unsupported'), reason: z.string() }),
]);

const ms = z.number().min(0);

export const httpRouteTableSchema = (retries: z.ZodType<RetryPolicyView>): z.ZodType<HttpRouteTableView> =>
  z.looseObject({
    rules: z.array(
      z.looseObject({
        route: z.string().min(1),
        name: z.string().optional(),
        filters: z.array(filter).optional(),
        backends: z.array(
          z.looseObject({
            service: z.string().optional(),
            port: port.optional(),
            weight: z.number().int().min(0),
            filters: z.array(filter).optional(),
          }),
        ),
        requestTimeoutMs: ms.optional(),
        backendRequestTimeoutMs: ms.optional(),
        // Checked field by field by the TrafficPolicy schema it shares (api/schema/snapshot.ts).
        retries: retries.optional(),
      }),
    ),
    matches: z.array(
      z.looseObject({ match, rule: z.number().int().min(0), ports: z.array(port).optional() }),
    ),
    ports: z.array(port).optional(),
    allPorts: z.boolean().optional(),
  });
