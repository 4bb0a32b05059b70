// The app's original probes, as the injector hands them to the sidecar in WEFT_APP_PROBES (JSON
// keyed by the rewritten path, see injector/inject/probes.ts and docs/injector.md). Parsed once at
// start-up into typed probes; every problem is reported with its path.
import * as z from 'zod/mini';
import type { ConfigIssue, Result } from '../../api/model/result.ts';
import { toConfigIssues } from '../../api/schema/issues.ts';
import '../../api/schema/mini-locale.ts';

export type AppProbe =
  | {
      readonly kind: 'httpGet';
      readonly port: number;
      readonly path: string;
      readonly https: boolean;
      readonly headers: readonly (readonly [string, string])[];
      readonly timeoutMs: number;
    }
  | { readonly kind: 'tcpSocket'; readonly port: number; readonly timeoutMs: number }
  | { readonly kind: 'grpc'; readonly port: number; readonly service: string; readonly timeoutMs: number };

/** Keyed by path, e.g. "/app-health/web/readyz". */
export type AppProbes = Readonly<Record<string, AppProbe>>;

// zod/mini, as api/schema/snapshot.ts: a sidecar loads this, not the control plane's schemas.
const port = z.int().check(z.minimum(1), z.maximum(65_535));
// Kubernetes' default probe timeout.
const timeoutSeconds = z.optional(z.int().check(z.minimum(1)));

const httpGet = z.looseObject({
  kind: z.literal('httpGet'),
  timeoutSeconds,
  action: z.looseObject({
    port,
    path: z.optional(z.string()),
    scheme: z.optional(z.enum(['HTTP', 'HTTPS'])),
    httpHeaders: z.optional(
      z.array(z.looseObject({ name: z.string().check(z.minLength(1)), value: z.string() })),
    ),
  }),
});
const tcpSocket = z.looseObject({
  kind: z.literal('tcpSocket'),
  timeoutSeconds,
  action: z.looseObject({ port }),
});
const grpc = z.looseObject({
  kind: z.literal('grpc'),
  timeoutSeconds,
  action: z.looseObject({ port, service: z.optional(z.string()) }),
});

const schema = z.record(
  z
    .string()
    .check(
      z.regex(/^\/app-health\/[^/]+\/(livez|readyz|startupz)$/, 'must be /app-health/<container>/<probe>'),
    ),
  z.discriminatedUnion('kind', [httpGet, tcpSocket, grpc]),
);

type Raw = z.infer<typeof schema>[string];

const toProbe = (raw: Raw): AppProbe => {
  const timeoutMs = (raw.timeoutSeconds ?? 1) * 1_000;
  if (raw.kind === 'tcpSocket') return { kind: 'tcpSocket', port: raw.action.port, timeoutMs };
  if (raw.kind === 'grpc')
    return { kind: 'grpc', port: raw.action.port, service: raw.action.service ?? '', timeoutMs };
  const a = raw.action;
  return {
    kind: 'httpGet',
    port: a.port,
    path: a.path === undefined || a.path === '' ? '/' : a.path,
    https: a.scheme === 'HTTPS',
    headers: (a.httpHeaders ?? []).map((h) => [h.name, h.value] as const),
    timeoutMs,
  };
};

/** `source` names where the JSON came from in issue paths (e.g. "WEFT_APP_PROBES"). */
export const parseAppProbes = (json: string, source: string): Result<AppProbes> => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(json);
  } catch (e) {
    const issue: ConfigIssue = { path: source, message: `is not valid JSON: ${(e as Error).message}` };
    return { ok: false, error: [issue] };
  }
  const parsed = schema.safeParse(decoded, { reportInput: true });
  if (!parsed.success) return { ok: false, error: toConfigIssues(parsed.error, source) };
  return {
    ok: true,
    value: Object.fromEntries(Object.entries(parsed.data).map(([path, raw]) => [path, toProbe(raw)])),
  };
};
