// Pure: the `weft.io/mtls-mode` annotation on Namespaces and Services → the inbound mTLS mode of
// each workload. A Service's annotation overrides its Namespace's; neither = STRICT. A value
// that is not STRICT or PERMISSIVE is reported and read as STRICT (fail closed).
import type { MtlsMode } from '../../api/model/snapshot.ts';
import type { ConfigIssue } from '../../api/model/result.ts';
import type { SourcedResource } from '../sources/types.ts';
import { where } from './model.ts';

export const MTLS_MODE_ANNOTATION = 'weft.io/mtls-mode';
export const DEFAULT_MTLS_MODE: MtlsMode = 'STRICT';

export interface MtlsModes {
  /** Namespace name → mode from its annotation. */
  readonly namespaces: Readonly<Record<string, MtlsMode>>;
  /** Service `namespace/name` → mode from its annotation. */
  readonly services: Readonly<Record<string, MtlsMode>>;
}

const MODES: readonly string[] = ['STRICT', 'PERMISSIVE'];

const modeOf = (r: SourcedResource, issues: ConfigIssue[]): MtlsMode | undefined => {
  const value = r.resource.meta.annotations?.[MTLS_MODE_ANNOTATION];
  if (value === undefined) return undefined;
  if (MODES.includes(value)) return value as MtlsMode;
  issues.push({
    path: `${where(r)}: metadata.annotations["${MTLS_MODE_ANNOTATION}"]`,
    message: `must be STRICT or PERMISSIVE (got "${value}"); read as STRICT until fixed`,
  });
  return 'STRICT';
};

export const compileMtlsModes = (resources: readonly SourcedResource[], issues: ConfigIssue[]): MtlsModes => {
  const namespaces: Record<string, MtlsMode> = {};
  const services: Record<string, MtlsMode> = {};
  for (const r of resources) {
    const { kind, meta } = r.resource;
    if (kind !== 'Namespace' && kind !== 'Service') continue;
    const mode = modeOf(r, issues);
    if (mode === undefined) continue;
    if (kind === 'Namespace') namespaces[meta.name] = mode;
    else services[`${meta.namespace}/${meta.name}`] = mode;
  }
  return { namespaces, services };
};

/** The mode of a workload in `namespace` serving `service` (if any). */
export const inboundModeFor = (
  modes: MtlsModes | undefined,
  namespace: string,
  service: string | undefined,
): MtlsMode =>
  (service === undefined ? undefined : modes?.services[`${namespace}/${service}`]) ??
  modes?.namespaces[namespace] ??
  DEFAULT_MTLS_MODE;
