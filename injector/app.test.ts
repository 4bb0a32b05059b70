// The fastify adapter through app.inject(): transport-level problems get coded 4xx answers and the
// app keeps serving; reviews are counted by outcome. (test/injector/ makes real HTTPS calls.)
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInjectorApp } from './app.ts';

const registry = new Registry();
const app = buildInjectorApp({ registry, bodyLimit: 3 * 1024 * 1024 });
afterAll(() => app.close());

const podReview = (uid: string, extra: object = {}) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    object: { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'a' }] }, ...extra },
  },
});

const post = (payload: string | object, contentType = 'application/json') =>
  app.inject({
    method: 'POST',
    url: '/inject',
    headers: { 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const stillServes = async (): Promise<void> => {
  const res = await post(podReview('after'));
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ response: { uid: 'after', allowed: true, patchType: 'JSONPatch' } });
};

describe('injector app', () => {
  it('answers a pod review with a patch', async () => {
    const res = await post(podReview('u1'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      response: { uid: 'u1', allowed: true },
    });
  });

  it.each([
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", "kind": ', 400, 'INJECT_BAD_REVIEW'],
    ['an empty body', '', 400, 'INJECT_BAD_REVIEW'],
    ['JSON that is not a review', '{"hello": "world"}', 400, 'INJECT_BAD_REVIEW'],
    ['a JSON array', '[1,2,3]', 400, 'INJECT_BAD_REVIEW'],
  ])('rejects %s with a coded 4xx and keeps serving', async (_, body, status, code) => {
    const res = await post(body);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code, message: expect.any(String) });
    await stillServes();
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await post('<AdmissionReview/>', 'application/xml');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'INJECT_BAD_CONTENT_TYPE' });
    await stillServes();
  });

  it('rejects a review over 3 MiB with 413 and says the limit', async () => {
    const huge = podReview('big', { padding: 'x'.repeat(3 * 1024 * 1024 + 1) });
    const res = await post(huge);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      code: 'INJECT_BODY_TOO_LARGE',
      message: 'the AdmissionReview is larger than the webhook accepts: the limit is 3145728 bytes',
    });
    await stillServes();
  });

  it('allows a non-Pod object unchanged', async () => {
    const review = podReview('svc');
    review.request.kind = { group: '', version: 'v1', kind: 'Service' };
    const res = await post(review);
    expect(res.json()).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'svc', allowed: true },
    });
  });

  it('answers unknown paths with 404 INJECT_NOT_FOUND and serves health checks', async () => {
    const res = await app.inject({ method: 'POST', url: '/mutate', payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'INJECT_NOT_FOUND' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('counts reviews by outcome', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/weft_injector_reviews_total\{outcome="injected"\} [1-9]/);
    expect(text).toMatch(/weft_injector_reviews_total\{outcome="invalid"\} [1-9]/);
    expect(text).toMatch(/weft_injector_reviews_total\{outcome="ignored"\} 1/);
  });
});
