// The webhook's pure core: AdmissionReview in, AdmissionReview (with a JSONPatch) out.
import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { answerReview } from './admission.ts';
import type { JsonObject } from './json.ts';
import { DEFAULT_VALUES } from './values.ts';

const pod = (meta: JsonObject = {}, spec: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ...meta },
  spec: { containers: [{ name: 'app', image: 'a' }], ...spec },
});

const review = (object: JsonObject, req: JsonObject = {}): JsonObject => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'shop',
    object,
    ...req,
  },
});

const response = (body: unknown): JsonObject => (body as { response: JsonObject }).response;

describe('answerReview', () => {
  it('injects a pod with a base64 JSONPatch that reproduces the mutation', () => {
    const original = pod();
    const a = answerReview(review(original), DEFAULT_VALUES);
    expect(a).toMatchObject({ status: 200, outcome: 'injected' });
    const r = response(a.body);
    expect(r).toMatchObject({ uid: 'u-1', allowed: true, patchType: 'JSONPatch' });
    const ops = JSON.parse(Buffer.from(String(r['patch']), 'base64').toString()) as fjp.Operation[];
    const patched = fjp.applyPatch(structuredClone(original), ops).newDocument as JsonObject;
    expect(JSON.stringify(patched)).toContain('"weft-proxy"');
  });

  it.each([
    ['a hostNetwork pod', pod({}, { hostNetwork: true }), 'host-network'],
    ['an opted-out pod', pod({ annotations: { 'weft.io/inject': 'disabled' } }), 'opted-out'],
    ['an injected pod', pod({ annotations: { 'weft.io/injected': 'true' } }), 'already-injected'],
  ])('allows %s without a patch', (_, object, reason) => {
    const a = answerReview(review(object), DEFAULT_VALUES);
    expect(a).toMatchObject({ status: 200, outcome: 'skipped', detail: reason });
    expect(response(a.body)).toEqual({ uid: 'u-1', allowed: true });
  });

  it.each([
    ['a Service', { kind: { group: '', version: 'v1', kind: 'Service' } }],
    ['a pod update', { operation: 'UPDATE' }],
    ['a Deployment', { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }],
  ])('allows %s unchanged', (_, req) => {
    const a = answerReview(review(pod(), req), DEFAULT_VALUES);
    expect(a.outcome).toBe('ignored');
    expect(response(a.body)).toEqual({ uid: 'u-1', allowed: true });
  });

  it('denies a pod with bad annotations, naming each one', () => {
    const bad = pod({
      annotations: { 'weft.io/exclude-outbound-ports': 'nope', 'weft.io/proxy-log-level': 'loud' },
    });
    const a = answerReview(review(bad), DEFAULT_VALUES);
    expect(a.outcome).toBe('denied');
    const r = response(a.body);
    expect(r['allowed']).toBe(false);
    expect(r['status']).toMatchObject({ code: 400, reason: 'BadRequest' });
    const message = String((r['status'] as JsonObject)['message']);
    expect(message).toMatch(/^INJECT_INVALID_ANNOTATION: /);
    expect(message).toContain('metadata.annotations[weft.io/exclude-outbound-ports]');
    expect(message).toContain('metadata.annotations[weft.io/proxy-log-level]');
  });

  it.each([
    ['not an object', 'hello'],
    ['the wrong version', { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['no uid', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: {} } }],
    ['a pod create without object', review(pod(), { object: null })],
  ])('rejects %s with 400 INJECT_BAD_REVIEW', (_, body) => {
    const a = answerReview(body, DEFAULT_VALUES);
    expect(a).toMatchObject({ status: 400, outcome: 'invalid', body: { code: 'INJECT_BAD_REVIEW' } });
  });
});
