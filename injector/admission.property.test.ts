// Fuzzed AdmissionReviews (fast-check) through the webhook app (app.inject): any JSON, any text,
// and near-valid Pod reviews with random metadata, annotations, containers and ports. The answer is
// always a 2xx/4xx (never 5xx, never a throw); an allowed answer's patch is a JSON Patch array; the
// app keeps serving after each.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInjectorApp } from './app.ts';

const app = buildInjectorApp({ bodyLimit: 1 << 20 });
afterAll(() => app.close());

const post = (payload: string) =>
  app.inject({ method: 'POST', url: '/inject', headers: { 'content-type': 'application/json' }, payload });

const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('app', 'weft-proxy', '', 'a'.repeat(300)));
const value = fc.oneof(fc.anything({ maxDepth: 2 }), text, fc.integer(), fc.boolean());
const annotations = fc.dictionary(
  fc.constantFrom(
    'weft.io/inject',
    'weft.io/mtls-mode',
    'weft.io/proxy-cpu',
    'weft.io/proxy-memory',
    'weft.io/skip-inbound-ports',
    'weft.io/skip-outbound-ports',
    'weft.io/log-level',
    'weft.io/native-sidecar',
    'x',
  ),
  fc.oneof(
    fc.constantFrom('enabled', 'disabled', 'true', '1,2,3', '100m', '64Mi', 'STRICT', '-1', '99999', ''),
    text,
  ),
  { maxKeys: 4 },
);
const container = fc.record(
  {
    name: text,
    image: text,
    ports: fc.array(
      fc.record({ containerPort: fc.oneof(fc.integer(), value), name: value }, { requiredKeys: [] }),
      { maxLength: 3 },
    ),
    readinessProbe: fc.oneof(
      value,
      fc.record({ httpGet: fc.record({ port: fc.oneof(fc.integer(), text), path: text }) }),
    ),
    securityContext: value,
  },
  { requiredKeys: ['name'] },
);
const pod = fc.record(
  {
    metadata: fc.record(
      { name: text, namespace: text, annotations, labels: fc.dictionary(text, value, { maxKeys: 2 }) },
      { requiredKeys: [] },
    ),
    spec: fc.record(
      {
        containers: fc.oneof(fc.array(container, { maxLength: 3 }), value),
        initContainers: fc.array(container, { maxLength: 2 }),
        volumes: value,
        serviceAccountName: text,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const review = fc.record({
  apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
  kind: fc.constant('AdmissionReview'),
  request: fc.record(
    {
      uid: fc.oneof(fc.uuid(), text, value),
      kind: fc.oneof(fc.constant({ group: '', version: 'v1', kind: 'Pod' }), value),
      operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'x'),
      object: fc.oneof(pod, pod, value),
      namespace: text,
    },
    { requiredKeys: [] },
  ),
});
const body = fc.oneof(
  review.map((r) => JSON.stringify(r)),
  review.map((r) => JSON.stringify(r)),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constant('{"a":'.repeat(5_000)),
);

describe('fuzzed AdmissionReviews are answered cleanly', () => {
  it('never a 5xx; allowed answers carry a JSON Patch array; the app keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await post(payload);
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode !== 200) return;
        const parsed = JSON.parse(res.body) as { response?: { allowed?: boolean; patch?: string } };
        if (parsed.response?.allowed && parsed.response.patch !== undefined)
          expect(Array.isArray(JSON.parse(Buffer.from(parsed.response.patch, 'base64').toString()))).toBe(
            true,
          );
      }),
      { numRuns: 400, seed: 1337 },
    );
    const ok = await post(
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: 'u',
          kind: { group: '', version: 'v1', kind: 'Pod' },
          operation: 'CREATE',
          object: { spec: { containers: [{ name: 'a', image: 'a' }] } },
        },
      }),
    );
    expect(ok.statusCode).toBe(200);
  }, 60_000);
});
