// Per-pod settings: the injection values with the pod's weft.io/* annotations applied, parsed at
// this edge into a Result so every bad annotation is reported at once with its path.
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';
import { parseQuantityMilli } from '../../api/schema/quantity.ts';
import { ANNOTATION } from './annotations.ts';
import type { CaptureOptions } from './iptables-rules.ts';
import type { StringMap } from './kube-types.ts';
import { parseCidrList, parsePortList, type PortRange } from './port-list.ts';
import { LOG_LEVELS, type InjectValues, type ProxyResources } from './values.ts';

export interface PodSettings {
  readonly logLevel: string;
  readonly nativeSidecar: boolean;
  readonly rewriteProbes: boolean;
  readonly resources: ProxyResources;
  readonly capture: CaptureOptions;
  /** Present when weft.io/access-log is "true"; the ratio as written (validated 0..1). */
  readonly accessLog?: { readonly sampleRatio?: string };
}

type Reader = <T>(key: string, parse: (raw: string, path: string) => Result<T>, fallback: T) => T;

const makeReader = (annotations: StringMap, prefix: string, issues: ConfigIssue[]): Reader => {
  return (key, parse, fallback) => {
    const raw = annotations[key];
    if (raw === undefined) return fallback;
    const r = parse(raw, `${prefix}metadata.annotations[${key}]`);
    if (r.ok) return r.value;
    issues.push(...r.error);
    return fallback;
  };
};

const bool = (raw: string, path: string): Result<boolean> => {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === 'enabled') return ok(true);
  if (v === 'false' || v === 'disabled') return ok(false);
  return err([{ path, message: `must be "true" or "false" (got "${raw}")` }]);
};

const level = (raw: string, path: string): Result<string> =>
  LOG_LEVELS.includes(raw.trim())
    ? ok(raw.trim())
    : err([{ path, message: `must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")` }]);

const ratio = (raw: string, path: string): Result<string> => {
  const n = Number(raw.trim());
  return raw.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1
    ? ok(raw.trim())
    : err([{ path, message: `must be a number from 0 to 1, such as 0.1 (got "${raw}")` }]);
};

const quantity = (raw: string, path: string): Result<string> => {
  const q = parseQuantityMilli(raw);
  return q.ok ? ok(raw.trim()) : err([{ path, message: `${q.error} (got "${raw}")` }]);
};

/** The sidecar's own listeners reached from outside the pod: never redirected inbound. */
const proxyInboundExclusions = (v: InjectValues): PortRange[] =>
  [v.ports.metrics, v.ports.probe].map((p) => ({ from: p, to: p }));

export const podSettings = (
  annotations: StringMap,
  values: InjectValues,
  prefix = '',
): Result<PodSettings> => {
  const issues: ConfigIssue[] = [];
  const read = makeReader(annotations, prefix, issues);
  const r = values.resources;
  const resources: ProxyResources = {
    cpuRequest: read(ANNOTATION.cpuRequest, quantity, r.cpuRequest),
    memoryRequest: read(ANNOTATION.memoryRequest, quantity, r.memoryRequest),
    cpuLimit: read(ANNOTATION.cpuLimit, quantity, r.cpuLimit),
    memoryLimit: read(ANNOTATION.memoryLimit, quantity, r.memoryLimit),
  };
  const capture: CaptureOptions = {
    proxyUid: values.proxyUid,
    outboundPort: values.ports.outbound,
    inboundPort: values.ports.inbound,
    excludeInboundPorts: [
      ...proxyInboundExclusions(values),
      ...read(ANNOTATION.excludeInboundPorts, parsePortList, []),
    ],
    excludeOutboundPorts: read(ANNOTATION.excludeOutboundPorts, parsePortList, []),
    excludeOutboundCidrs: read(ANNOTATION.excludeOutboundCidrs, parseCidrList, []),
  };
  const accessLogRatio = read<string | undefined>(ANNOTATION.accessLogSampleRatio, ratio, undefined);
  const accessLog = read(ANNOTATION.accessLog, bool, false)
    ? { accessLog: accessLogRatio === undefined ? {} : { sampleRatio: accessLogRatio } }
    : {};
  const settings: PodSettings = {
    logLevel: read(ANNOTATION.logLevel, level, values.logLevel),
    nativeSidecar: read(ANNOTATION.nativeSidecar, bool, values.nativeSidecar),
    rewriteProbes: read(ANNOTATION.rewriteProbes, bool, values.rewriteProbes),
    resources,
    capture,
    ...accessLog,
  };
  return issues.length ? err(issues) : ok(settings);
};
