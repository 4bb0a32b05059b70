// The webhook as the API server uses it: the stand-in selects it by namespace label and pod label,
// calls it over HTTPS (certificate checked against caBundle) and applies its JSONPatch. Plus one
// raw HTTPS exchange with bad input, after which the webhook still serves.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../injector/inject/json.ts';
import { opensslAvailable } from '../kube-apiserver/certs.ts';
import { injectWithCli, MESHED, PLAIN, startHarness, type Harness } from './harness.ts';

const pod = (name: string, meta: JsonObject = {}, spec: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...meta },
  spec: { containers: [{ name: 'app', image: 'example/app:1', ports: [{ containerPort: 8080 }] }], ...spec },
});

const containerNames = (p: JsonObject): string[] => {
  const spec = p['spec'] as { containers: { name: string }[]; initContainers?: { name: string }[] };
  return [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name);
};

/** POST raw bytes to the webhook over HTTPS (certificate not checked: this is about the body). */
const rawPost = (port: number, body: string): Promise<{ status: number; json: JsonObject }> =>
  new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/inject', method: 'POST', rejectUnauthorized: false, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as JsonObject }));
      },
    );
    req.on('error', reject);
    req.setHeader('content-type', 'application/json');
    req.end(body);
  });

describe.skipIf(!opensslAvailable())('injector webhook behind the API stand-in', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('injects a pod in a labelled namespace, as weft inject does', async () => {
    const p = pod('web', { labels: { app: 'web' } });
    const created = await h.createPod(MESHED, p);
    expect(containerNames(created)).toEqual(['weft-init', 'weft-proxy', 'app']);
    expect(created['spec']).toEqual(injectWithCli(p)['spec']);
  });

  it('leaves a pod in a namespace without the label alone', async () => {
    expect(containerNames(await h.createPod(PLAIN, pod('plain')))).toEqual(['app']);
  });

  it.each([
    ['labelled weft.io/inject=disabled', pod('opt-out-label', { labels: { 'weft.io/inject': 'disabled' } })],
    [
      'annotated weft.io/inject: disabled',
      pod('opt-out-annotation', { annotations: { 'weft.io/inject': 'disabled' } }),
    ],
    ['on the host network', pod('host', {}, { hostNetwork: true })],
    ['already injected', injectWithCli(pod('again'))],
  ])('leaves a pod %s unchanged', async (_, p) => {
    const created = await h.createPod(MESHED, p);
    expect(created['spec']).toEqual(p['spec']);
    expect((created['metadata'] as JsonObject)['annotations']).toEqual(
      (p['metadata'] as JsonObject)['annotations'],
    );
  });

  it('rejects a pod with a bad annotation, saying which', async () => {
    const bad = pod('bad', { annotations: { 'weft.io/exclude-outbound-cidrs': '10.0.0.0/40' } });
    await expect(h.createPod(MESHED, bad)).rejects.toThrow(
      /admission webhook \\"inject.weft.io\\" denied the request: INJECT_INVALID_ANNOTATION: metadata.annotations\[weft.io\/exclude-outbound-cidrs\]/,
    );
  });

  it('answers garbage over real HTTPS with a coded 400 and keeps serving', async () => {
    const bad = await rawPost(h.webhook.port, '{"apiVersion": ');
    expect(bad.status).toBe(400);
    expect(bad.json['code']).toBe('INJECT_BAD_REVIEW');
    expect(containerNames(await h.createPod(MESHED, pod('after-garbage')))).toContain('weft-proxy');
  });
});
