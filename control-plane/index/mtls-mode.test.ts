import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../api/model/result.ts';
import { parseResource } from '../../api/schema/resources.ts';
import type { SourcedResource } from '../sources/types.ts';
import { compileMtlsModes, inboundModeFor } from './mtls-mode.ts';

const resource = (obj: Record<string, unknown>): SourcedResource => {
  const parsed = parseResource(obj, { defaultNamespace: 'default' });
  if (!parsed.ok || !parsed.value) throw new Error(JSON.stringify(parsed));
  return { resource: parsed.value, origin: 'mesh.yaml' };
};
const annotated = (mode?: string) =>
  mode === undefined ? {} : { annotations: { 'weft.io/mtls-mode': mode } };
const ns = (name: string, mode?: string) =>
  resource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...annotated(mode) } });
const svc = (namespace: string, name: string, mode?: string) =>
  resource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, ...annotated(mode) },
    spec: { ports: [{ port: 80 }] },
  });

describe('weft.io/mtls-mode', () => {
  it.each([
    ['no annotation anywhere', [ns('demo'), svc('demo', 'web')], 'web', 'STRICT'],
    ['namespace PERMISSIVE', [ns('demo', 'PERMISSIVE'), svc('demo', 'web')], 'web', 'PERMISSIVE'],
    [
      'service STRICT overrides namespace PERMISSIVE',
      [ns('demo', 'PERMISSIVE'), svc('demo', 'web', 'STRICT')],
      'web',
      'STRICT',
    ],
    ['service PERMISSIVE in a plain namespace', [svc('demo', 'web', 'PERMISSIVE')], 'web', 'PERMISSIVE'],
    ['another service’s annotation', [svc('demo', 'api', 'PERMISSIVE')], 'web', 'STRICT'],
    [
      'workload serving no service',
      [ns('demo', 'PERMISSIVE'), svc('demo', 'web', 'STRICT')],
      undefined,
      'PERMISSIVE',
    ],
    ['same-named service in another namespace', [svc('other', 'web', 'PERMISSIVE')], 'web', 'STRICT'],
  ] as const)('%s', (_name, resources, service, expected) => {
    const issues: ConfigIssue[] = [];
    expect(inboundModeFor(compileMtlsModes(resources, issues), 'demo', service)).toBe(expected);
    expect(issues).toEqual([]);
  });

  it('reports an unknown value with its path and reads it as STRICT', () => {
    const issues: ConfigIssue[] = [];
    const modes = compileMtlsModes([ns('demo', 'PERMISSIVE'), svc('demo', 'web', 'permissive')], issues);
    expect(inboundModeFor(modes, 'demo', 'web')).toBe('STRICT');
    expect(issues).toEqual([
      {
        path: 'mesh.yaml: Service demo/web: metadata.annotations["weft.io/mtls-mode"]',
        message: 'must be STRICT or PERMISSIVE (got "permissive"); read as STRICT until fixed',
      },
    ]);
  });

  it('defaults to STRICT without a compiled table', () => {
    expect(inboundModeFor(undefined, 'demo', 'web')).toBe('STRICT');
  });
});
