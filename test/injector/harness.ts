// A kube-apiserver stand-in wired to the real injector webhook over HTTPS: the webhook's serving
// certificate is signed by a throwaway CA whose PEM is the configuration's caBundle, and the
// service reference weft-injector.weft-system.svc resolves to the webhook on 127.0.0.1:<port 0>.
import { parse, stringify } from 'yaml';
import { formatIssues } from '../../api/model/result.ts';
import { startInjectorWebhook, type InjectorWebhook } from '../../injector/app.ts';
import type { JsonObject } from '../../injector/inject/json.ts';
import { DEFAULT_VALUES, type InjectValues } from '../../injector/inject/values.ts';
import { mutatingWebhookConfiguration } from '../../injector/inject/webhook-config.ts';
import { injectYaml } from '../../injector/inject/yaml-inject.ts';
import { makeTestCa } from '../kube-apiserver/certs.ts';
import { startKubeApiServer, type KubeApiServer } from '../kube-apiserver/server.ts';
import type { KubeObject } from '../kube-apiserver/types.ts';

export interface Harness {
  readonly server: KubeApiServer;
  readonly webhook: InjectorWebhook;
  /** POST the pod through the API (and so through admission); resolves with the stored pod. */
  createPod(namespace: string, pod: JsonObject): Promise<JsonObject>;
  close(): Promise<void>;
}

export const MESHED = 'meshed';
export const PLAIN = 'plain';

export const startHarness = async (values: InjectValues = DEFAULT_VALUES): Promise<Harness> => {
  const ca = makeTestCa('weft-injector-test-ca');
  const leaf = ca.issue({ commonName: 'weft-injector', dnsNames: ['weft-injector.weft-system.svc'] });
  const webhook = await startInjectorWebhook({ tls: leaf, values, host: '127.0.0.1', port: 0 });
  const server = await startKubeApiServer({
    resolveService: (svc) =>
      svc.name === 'weft-injector' && svc.namespace === 'weft-system'
        ? { host: '127.0.0.1', port: webhook.port }
        : undefined,
  });
  const config = mutatingWebhookConfiguration({
    caBundle: Buffer.from(ca.cert).toString('base64'),
    serviceName: 'weft-injector',
    namespace: 'weft-system',
    failurePolicy: 'Fail',
  });
  server.store.seed(config as unknown as KubeObject);
  server.store.seed({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: MESHED, labels: { 'weft.io/inject': 'enabled' } },
  });
  server.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: PLAIN } });
  const createPod = async (namespace: string, pod: JsonObject): Promise<JsonObject> => {
    const res = await fetch(`${server.url}/api/v1/namespaces/${namespace}/pods`, {
      method: 'POST',
      headers: { authorization: 'Bearer weft-test-token', 'content-type': 'application/json' },
      body: JSON.stringify(pod),
    });
    const body = (await res.json()) as JsonObject;
    if (res.status !== 201) throw new Error(`create pod: HTTP ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
  return {
    server,
    webhook,
    createPod,
    close: async () => {
      await server.close();
      await webhook.close();
    },
  };
};

/** What `weft inject` makes of one pod (through the YAML path, as the CLI runs it). */
export const injectWithCli = (pod: JsonObject, values: InjectValues = DEFAULT_VALUES): JsonObject => {
  const r = injectYaml(stringify(pod), values, 'pod.yaml');
  if (!r.ok) throw new Error(formatIssues(r.error));
  return parse(r.value.text) as JsonObject;
};
