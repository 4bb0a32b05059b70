// The MutatingWebhookConfiguration that sends pod creations to the injector (rendered by
// `weft install`). Selection happens in the API server: namespaces labelled weft.io/inject=enabled,
// pods not labelled weft.io/inject=disabled (the annotation is checked by the webhook itself).
import { INJECT_DISABLED, INJECT_ENABLED, INJECT_LABEL } from './annotations.ts';
import type { JsonObject } from './json.ts';

export interface WebhookConfigOptions {
  /** Base64 PEM of the CA that signed the webhook's serving certificate. */
  readonly caBundle: string;
  readonly serviceName: string;
  readonly namespace: string;
  /**
   * Fail (default): while the injector is down, pods in injected namespaces are not created, so
   * none starts outside the mesh (it would be refused by STRICT peers anyway). Ignore: they start
   * without a sidecar. docs/injector.md discusses the choice.
   */
  readonly failurePolicy?: 'Fail' | 'Ignore';
  readonly port?: number;
  readonly name?: string;
  readonly timeoutSeconds?: number;
}

export const WEBHOOK_PATH = '/inject';

export const mutatingWebhookConfiguration = (o: WebhookConfigOptions): JsonObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name: o.name ?? 'weft-injector', labels: { 'app.kubernetes.io/part-of': 'weft' } },
  webhooks: [
    {
      name: 'inject.weft.io',
      admissionReviewVersions: ['v1'],
      clientConfig: {
        service: { name: o.serviceName, namespace: o.namespace, path: WEBHOOK_PATH, port: o.port ?? 15017 },
        caBundle: o.caBundle,
      },
      rules: [
        {
          operations: ['CREATE'],
          apiGroups: [''],
          apiVersions: ['v1'],
          resources: ['pods'],
          scope: 'Namespaced',
        },
      ],
      namespaceSelector: { matchLabels: { [INJECT_LABEL]: INJECT_ENABLED } },
      objectSelector: {
        matchExpressions: [{ key: INJECT_LABEL, operator: 'NotIn', values: [INJECT_DISABLED] }],
      },
      sideEffects: 'None',
      // Run again if a later webhook changed the pod; the mutation is idempotent, so that is safe.
      reinvocationPolicy: 'IfNeeded',
      failurePolicy: o.failurePolicy ?? 'Fail',
      matchPolicy: 'Equivalent',
      // Short: pod creation waits on this call, and the mutation takes well under a millisecond.
      timeoutSeconds: o.timeoutSeconds ?? 5,
    },
  ],
});
