// The wire schema of ServiceView.httpRoutes (api/model/http-route.ts): what a sidecar checks
// before it compiles a pushed route table. Regexes are checked here too, so a table that would
// throw while the stack is built is NACKed instead. zod/mini, like the rest of the snapshot
// schema (api/schema/snapshot.ts), so the sidecar's bundle does not carry classic zod.
import * as z from 'zod/mini';
import type { HttpFilterView, HttpRouteTableView } from '../model/http-route.ts';
import type { RetryPolicyView } from '../model/policy.ts';

const opt = z.optional;
const port = z.int().check(z.minimum(1), z.maximum(65_535));
const name = z.string().check(z.minLength(1));
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
  .looseObject({ name, type: z.enum(['Exact', 'RegularExpression']), value: z.string() })
  .check(z.refine((m) => m.type === 'Exact' || compiles(m.value), regexOk));

const match = z.looseObject({
  path: opt(
    z
      .looseObject({ type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']), value: z.string() })
      .check(z.refine((p) => p.type !== 'RegularExpression' || compiles(p.value), regexOk)),
  ),
  headers: opt(z.array(valueMatch)),
  queryParams: opt(z.array(valueMatch)),
  method: opt(z.string()),
});

const pair = z.looseObject({ name, value: z.string() });
const edit = z.looseObject({
  set: opt(z.array(pair)),
  add: opt(z.array(pair)),
  remove: opt(z.array(z.string())),
});
const pathModifier = z.looseObject({
  type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  value: z.string(),
});

const filter: z.ZodMiniType<HttpFilterView> = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('RequestHeaderModifier'), edit }),
  z.looseObject({ type: z.literal('ResponseHeaderModifier'), edit }),
  z.looseObject({
    type: z.literal('RequestRedirect'),
    scheme: opt(z.string()),
    hostname: opt(z.string()),
    port: opt(port),
    path: opt(pathModifier),
    statusCode: z.int(),
  }),
  z.looseObject({
    type: z.literal('URLRewrite'),
    hostname: opt(z.string()),
    path: opt(pathModifier),
  }),
  z.looseObject({ type: z.literal('RequestMirror'), service: name, port: opt(port) }),
  z.looseObject({ type: z.literal('Unsupported'), reason: z.string() }),
]);

const ms = z.number().check(z.minimum(0));
const count = z.int().check(z.minimum(0));

export const httpRouteTableSchema = (
  retries: z.ZodMiniType<RetryPolicyView>,
): z.ZodMiniType<HttpRouteTableView> =>
  z.looseObject({
    rules: z.array(
      z.looseObject({
        route: name,
        name: opt(z.string()),
        filters: opt(z.array(filter)),
        backends: z.array(
          z.looseObject({
            service: opt(z.string()),
            port: opt(port),
            weight: count,
            filters: opt(z.array(filter)),
          }),
        ),
        requestTimeoutMs: opt(ms),
        backendRequestTimeoutMs: opt(ms),
        // Checked field by field by the TrafficPolicy schema it shares (api/schema/snapshot.ts).
        retries: opt(retries),
      }),
    ),
    matches: z.array(z.looseObject({ match, rule: count, ports: opt(z.array(port)) })),
    ports: opt(z.array(port)),
    allPorts: opt(z.boolean()),
  });
