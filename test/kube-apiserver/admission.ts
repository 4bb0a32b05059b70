// Mutating admission through MutatingWebhookConfigurations: each selected webhook gets an
// AdmissionReview (admission.k8s.io/v1); its base64 JSONPatch is applied before the next one runs.
// failurePolicy decides what a failed call means; a denial rejects the request with the webhook's
// message. reinvocationPolicy IfNeeded re-runs a webhook once when a later one changed the object.
import type { Clock, Random } from '../../api/runtime/clock.ts';
import { jsonPatch } from './patch.ts';
import type { AdmissionAttributes, Admit } from './rest-context.ts';
import { resourceKey } from './resource-types.ts';
import { ApiError } from './status.ts';
import type { ObjectStore } from './store.ts';
import { isJsonObject, type Json, type JsonObject, type KubeObject } from './types.ts';
import { callWebhook, type ServiceResolver } from './webhook-call.ts';
import { orderedWebhooks, webhookApplies, type Webhook } from './webhook-select.ts';

export interface AdmissionDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly resolveService: ServiceResolver | undefined;
}

const WEBHOOK_CONFIG_KEYS = new Set([
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
]);

const reviewFor = (a: AdmissionAttributes, object: KubeObject, uid: string): JsonObject => {
  const kind = { group: a.type.group, version: a.version, kind: a.type.kind };
  const resource = { group: a.type.group, version: a.version, resource: a.type.plural };
  const optionsKind = a.operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      name: a.name ?? '',
      namespace: a.namespace ?? '',
      operation: a.operation,
      userInfo: { ...a.userInfo, groups: [...a.userInfo.groups] },
      object: object as unknown as Json,
      oldObject: (a.oldObject ?? null) as unknown as Json,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: optionsKind },
    },
  };
};

const denial = (wh: Webhook, status: Json | undefined): ApiError => {
  const s = isJsonObject(status) ? status : {};
  const message = typeof s['message'] === 'string' && s['message'] ? s['message'] : 'without explanation';
  const code = typeof s['code'] === 'number' && s['code'] >= 400 ? s['code'] : 400;
  const reason = typeof s['reason'] === 'string' && s['reason'] ? s['reason'] : 'BadRequest';
  return new ApiError(
    reason,
    `admission webhook "${wh.name}" denied the request: ${message}`,
    undefined,
    code,
  );
};

type Outcome = { readonly object: KubeObject } | { readonly denied: ApiError };

/** Applies one webhook's answer; throws for a broken answer or patch (subject to failurePolicy). */
const applyResponse = (wh: Webhook, body: Json, uid: string, object: KubeObject): Outcome => {
  const review = isJsonObject(body) ? body : {};
  const response = review['response'];
  if (review['apiVersion'] !== 'admission.k8s.io/v1' || !isJsonObject(response)) {
    throw new Error('expected an admission.k8s.io/v1 AdmissionReview with a response');
  }
  if (response['uid'] !== uid)
    throw new Error(`expected response.uid="${uid}", got "${String(response['uid'])}"`);
  if (response['allowed'] !== true) return { denied: denial(wh, response['status']) };
  const patch = response['patch'];
  if (patch === undefined || patch === null) return { object };
  if (response['patchType'] !== 'JSONPatch')
    throw new Error(`unsupported patchType ${String(response['patchType'])}`);
  const ops = JSON.parse(Buffer.from(String(patch), 'base64').toString('utf8')) as Json;
  return { object: jsonPatch(object as unknown as Json, ops) as unknown as KubeObject };
};

export const makeAdmit = (deps: AdmissionDeps): Admit => {
  const uid = (): string =>
    `${Math.floor(deps.random() * 2 ** 48).toString(16)}-${Math.floor(deps.clock.wallNow())}`;

  const invoke = async (wh: Webhook, a: AdmissionAttributes, object: KubeObject): Promise<KubeObject> => {
    const requestUid = uid();
    const timeoutSeconds = typeof wh.spec['timeoutSeconds'] === 'number' ? wh.spec['timeoutSeconds'] : 10;
    let outcome: Outcome;
    try {
      const body = await callWebhook(reviewFor(a, object, requestUid), {
        clientConfig: isJsonObject(wh.spec['clientConfig']) ? wh.spec['clientConfig'] : {},
        timeoutMs: timeoutSeconds * 1000,
        clock: deps.clock,
        resolve: deps.resolveService,
      });
      outcome = applyResponse(wh, body, requestUid, object);
    } catch (e) {
      if (wh.spec['failurePolicy'] === 'Ignore') return object;
      throw new ApiError(
        'InternalError',
        `Internal error occurred: failed calling webhook "${wh.name}": ${(e as Error).message}`,
      );
    }
    // A denial rejects the request whatever the failurePolicy: the webhook worked and said no.
    if ('denied' in outcome) throw outcome.denied;
    return outcome.object;
  };

  return async (a) => {
    if (WEBHOOK_CONFIG_KEYS.has(resourceKey(a.type))) return a.object; // never admitted by webhooks
    const configs = deps.store.list('admissionregistration.k8s.io/mutatingwebhookconfigurations');
    const namespaceLabels = (name: string) => deps.store.get('/namespaces', undefined, name)?.metadata.labels;
    const selected = orderedWebhooks(configs).filter((wh) => webhookApplies(wh.spec, a, { namespaceLabels }));
    let object = a.object;
    const changedAfter: boolean[] = [];
    for (const [i, wh] of selected.entries()) {
      const before = JSON.stringify(object);
      object = await invoke(wh, a, object);
      if (JSON.stringify(object) !== before) for (let j = 0; j < i; j++) changedAfter[j] = true;
    }
    for (const [i, wh] of selected.entries()) {
      if (wh.spec['reinvocationPolicy'] === 'IfNeeded' && changedAfter[i])
        object = await invoke(wh, a, object);
    }
    return object;
  };
};
