// `weft install` and deploy/: every rendered object is valid against the Kubernetes schemas
// (kubernetes-models validators), deploy/ matches the renderer and `kubectl kustomize` renders it,
// and every example custom resource passes the schemas in crds/ (and bad ones do not).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kustomizeFiles } from '../../cli/install/command.ts';
import { installObjects } from '../../cli/install/manifests.ts';
import { generateWebhookTls } from '../../cli/install/webhook-tls.ts';
import { crdValidators } from './crd-validator.ts';
import { loadCrds } from './crds.ts';
import { trafficSplit } from './helpers.ts';

type Json = Record<string, unknown>;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULTS = { image: 'weft:0.1.0', trustDomain: 'cluster.local', replicas: 2, namespace: 'weft-system' };

/** kubernetes-models class for apiVersion/kind: core kinds under v1/, others under <group>/<version>/. */
const modelOf = async (o: Json): Promise<{ new (data: Json): { validate(): void } }> => {
  const apiVersion = String(o.apiVersion);
  const dir = apiVersion.includes('/') ? apiVersion : `v1`;
  const mod = (await import(`kubernetes-models/${dir}/${String(o.kind)}`)) as Record<string, unknown>;
  return mod[String(o.kind)] as { new (data: Json): { validate(): void } };
};

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('weft install', () => {
  it('renders every object the install needs, each valid against the Kubernetes schemas', async () => {
    const tls = await generateWebhookTls({
      service: 'weft-control-plane',
      namespace: 'weft-system',
      nowMs: Date.now(),
    });
    const objects = installObjects({ ...DEFAULTS, webhookTls: tls });
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace',
      ...Array(6).fill('CustomResourceDefinition'),
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Secret',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'MutatingWebhookConfiguration',
    ]);
    for (const o of objects) {
      const Model = await modelOf(o);
      expect(() => new Model(o).validate(), `${String(o.kind)} ${JSON.stringify(o.metadata)}`).not.toThrow();
    }
    const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: { replicas: number } };
    expect(deployment.spec.replicas).toBe(2);
    const svc = objects.find((o) => o.kind === 'Service') as { spec: { ports: { port: number }[] } };
    expect(svc.spec.ports.map((p) => p.port)).toEqual([15010, 15017, 15014]);
  });

  it('runs gRPC over TLS and may publish weft-root-ca, and read no other ConfigMap', () => {
    const objects = installObjects(DEFAULTS);
    const deployment = objects.find((o) => o.kind === 'Deployment') as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]?.args).toContain('--grpc-tls');
    const role = objects.find((o) => o.kind === 'ClusterRole') as {
      rules: { resources: string[]; resourceNames?: string[]; verbs: string[] }[];
    };
    const onConfigMaps = role.rules.filter((r) => r.resources.includes('configmaps'));
    expect(onConfigMaps).toEqual([
      expect.objectContaining({ verbs: ['create'] }),
      expect.objectContaining({ resourceNames: ['weft-root-ca'], verbs: ['get', 'update'] }),
    ]);
    expect(onConfigMaps[0]?.resourceNames).toBeUndefined();
  });

  it('the control plane learns its namespace from the pod (downward API), not from a flag', () => {
    const deployment = installObjects(DEFAULTS).find((o) => o.kind === 'Deployment') as {
      spec: {
        template: {
          spec: { containers: { args: string[]; env: { name: string; valueFrom?: unknown }[] }[] };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0];
    expect(container?.env).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(container?.args.filter((a) => a.startsWith('--namespace'))).toEqual([]);
  });

  it('the validators can fail: a Deployment without containers is refused', async () => {
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { selector: {}, template: { spec: { containers: 'none' } } },
    };
    const Model = await modelOf(bad);
    expect(() => new Model(bad).validate()).toThrow();
  });

  it('deploy/ is the same set, without TLS material (regenerate: npm run gen:deploy)', () => {
    const want = kustomizeFiles(DEFAULTS);
    const dir = join(ROOT, 'deploy');
    expect(readdirSync(dir).sort()).toEqual(Object.keys(want).sort());
    for (const [name, text] of Object.entries(want))
      expect(readFileSync(join(dir, name), 'utf8'), name).toBe(text);
  });

  it.skipIf(!kubectl)('kubectl kustomize deploy/ renders it', () => {
    const out = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy')], { encoding: 'utf8' });
    const kinds = parseAllDocuments(out).map((d) => (d.toJS() as Json).kind);
    expect(kinds).toHaveLength(installObjects(DEFAULTS).length);
    expect(kinds).toContain('MutatingWebhookConfiguration');
  });
});

describe('crds/ schemas', () => {
  const validators = crdValidators(loadCrds() as unknown as Json[]);
  const examples = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => join(e.parentPath, e.name));

  it('accept every example custom resource', () => {
    let checked = 0;
    for (const file of examples(join(ROOT, 'examples')))
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const o = doc.toJS() as Json | null;
        if (!o || !validators.serves(String(o.apiVersion), String(o.kind))) continue;
        expect(validators.validate(o), `${file}: ${String(o.kind)}`).toBeUndefined();
        checked++;
      }
    expect(checked).toBeGreaterThan(0);
  });

  it.each([
    ['a negative weight', { ...trafficSplit('shop', 'w', 'web', { a: -1 }) }, 'weight must be >= 0'],
    [
      'an unknown field',
      {
        ...trafficSplit('shop', 'w', 'web', { a: 1 }),
        spec: { service: 'web', backends: [{ service: 'a', weight: 1 }], extra: 1 },
      },
      'additional',
    ],
    [
      'matches in v1alpha2',
      trafficSplit('shop', 'w', 'web', { a: 1 }, 'split.smi-spec.io/v1alpha2'),
      undefined,
    ],
    [
      'a TrafficPolicy with 11 attempts',
      {
        apiVersion: 'policy.weft.io/v1alpha1',
        kind: 'TrafficPolicy',
        metadata: { name: 'p' },
        spec: { targetRef: { kind: 'Service', name: 'web' }, retries: { attempts: 11 } },
      },
      'attempts must be <= 10',
    ],
  ])('refuse %s', (_t, obj, why) => {
    const r = validators.validate(obj as Json);
    if (why === undefined) {
      const withMatches = {
        ...obj,
        spec: {
          ...(obj as unknown as { spec: Json }).spec,
          matches: [{ kind: 'HTTPRouteGroup', name: 'r' }],
        },
      };
      expect(validators.validate(withMatches as Json)).toContain('additional');
    } else expect(r).toContain(why);
  });
});
