// The control plane's environment variables, parsed from an injected map (tests pass their
// own) with every bad variable reported at once. The only file that reads process.env.
import type { ConfigIssue, Result } from '../api/model/result.ts';
import { parseDuration } from '../api/schema/duration.ts';
import { DEFAULT_STARTUP_GRACE_MS } from './push/startup-grace.ts';

export interface ControlPlaneEnv {
  readonly configDir: string;
  readonly host: string;
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  readonly defaultNamespace: string;
  readonly logLevel: string;
  readonly sendTimeoutMs: number;
  readonly startupGraceMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const readControlPlaneEnv = (env: Env = process.env): Result<ControlPlaneEnv> => {
  const issues: ConfigIssue[] = [];
  const str = (name: string, fallback?: string): string => {
    const v = env[name]?.trim();
    if (v) return v;
    if (fallback === undefined)
      issues.push({ path: name, message: 'is required: set it to the folder of YAML configuration' });
    return fallback ?? '';
  };
  const port = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 0 && n <= 65_535) return n;
    issues.push({
      path: name,
      message: `must be a port from 0 to 65535, 0 for any free port (got "${raw}")`,
    });
    return fallback;
  };
  const duration = (name: string, fallback: number, min = 1): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const r = parseDuration(raw);
    if (r.ok && r.value >= min) return r.value;
    issues.push({ path: name, message: `must be a duration such as 10s or 500ms (got "${raw}")` });
    return fallback;
  };
  const logLevel = str('WEFT_LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel))
    issues.push({
      path: 'WEFT_LOG_LEVEL',
      message: `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`,
    });
  const value: ControlPlaneEnv = {
    configDir: str('WEFT_CONFIG_DIR'),
    host: str('WEFT_HOST', '127.0.0.1'),
    grpcPort: port('WEFT_GRPC_PORT', 15010),
    adminPort: port('WEFT_ADMIN_PORT', 15014),
    trustDomain: str('WEFT_TRUST_DOMAIN', 'cluster.local'),
    clusterDomain: str('WEFT_CLUSTER_DOMAIN', 'cluster.local'),
    defaultNamespace: str('WEFT_DEFAULT_NAMESPACE', 'default'),
    logLevel,
    sendTimeoutMs: duration('WEFT_SEND_TIMEOUT', 30_000),
    startupGraceMs: duration('WEFT_STARTUP_GRACE', DEFAULT_STARTUP_GRACE_MS, 0),
  };
  return issues.length > 0 ? { ok: false, error: issues } : { ok: true, value };
};
