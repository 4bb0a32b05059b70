// The standard OpenTelemetry variables the sidecar honours (besides its own --tracing-* flags),
// parsed from an injected map with every bad value reported at once. The only observability file
// that reads process.env (the default argument).
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';

export interface OtelEnv {
  /** The traces URL from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces). */
  readonly tracesUrl?: string;
  readonly serviceName?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

const httpUrl = (raw: string, name: string, issues: ConfigIssue[]): URL | undefined => {
  try {
    const u = new URL(raw);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u;
  } catch {
    // reported below
  }
  issues.push({ path: name, message: `must be an http(s) URL such as http://collector:4318 (got "${raw}")` });
  return undefined;
};

export const readOtelEnv = (env: Env = process.env): Result<OtelEnv> => {
  const issues: ConfigIssue[] = [];
  const traces = set(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let url: string | undefined;
  if (traces !== undefined) url = httpUrl(traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', issues)?.toString();
  else if (base !== undefined)
    // The spec appends the signal path to the base, whatever path the base has.
    url = httpUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT', issues) && `${base.replace(/\/+$/u, '')}/v1/traces`;
  const serviceName = set(env, 'OTEL_SERVICE_NAME');
  if (issues.length) return err(issues);
  return ok({ ...(url ? { tracesUrl: url } : {}), ...(serviceName ? { serviceName } : {}) });
};
