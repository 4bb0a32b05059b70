// `weft check --kubeconfig`: the API server first (nothing else can be read without it), then
// either the pre-install checks (--pre: Kubernetes version, CRDs of the same name not weft's) or
// the installation's (CRDs, control plane, webhook, identity).
import { crdObjects } from '../../api/schema/crd/render.ts';
import { kubeHttp, type JsonObject } from '../../control-plane/sources/kube/kube-http.ts';
import { clusterFacts, kubeConfigFrom } from './cluster-facts.ts';
import {
  controlPlaneClusterChecks,
  crdChecks,
  identityChecks,
  obj,
  webhookChecks,
} from './cluster-checks.ts';
import { fail, pass, type CheckResult } from './result.ts';

/** The oldest Kubernetes weft is tested against (EndpointSlice v1, CRD v1, Lease v1). */
export const MIN_KUBE_MINOR = 26;

const API = 'kubernetes API';

const versionCheck = (v: { major?: unknown; minor?: unknown; gitVersion?: unknown }): CheckResult => {
  const minor = Number.parseInt(String(v.minor ?? ''), 10);
  const shown = String(v.gitVersion ?? `${String(v.major)}.${String(v.minor)}`);
  return String(v.major) === '1' && minor >= MIN_KUBE_MINOR
    ? pass(API, `Kubernetes is 1.${MIN_KUBE_MINOR} or newer`, shown)
    : fail(
        API,
        `Kubernetes is 1.${MIN_KUBE_MINOR} or newer`,
        shown,
        `upgrade the cluster to 1.${MIN_KUBE_MINOR}+`,
      );
};

/** --pre: a CRD of a name weft installs that another installer owns would be overwritten. */
const conflictChecks = (present: readonly JsonObject[], expected: readonly JsonObject[]): CheckResult[] =>
  expected.map((want) => {
    const name = String(obj(want.metadata).name);
    const have = present.find((c) => obj(c.metadata).name === name);
    const owner = obj(obj(have?.metadata).labels)['app.kubernetes.io/part-of'];
    if (!have || owner === 'weft') return pass('CRDs', `no conflicting CRD ${name}`);
    return fail(
      'CRDs',
      `no conflicting CRD ${name}`,
      `exists and is not weft's (part-of: ${String(owner ?? 'unset')})`,
      'another SMI implementation owns it: uninstall it first, or check its versions serve what weft needs',
    );
  });

export const checkCluster = async (
  kubeconfig: string,
  opts: { pre: boolean; namespace: string; nowMs: number },
): Promise<CheckResult[]> => {
  let kc;
  try {
    kc = kubeConfigFrom(kubeconfig);
  } catch (e) {
    return [
      fail(API, 'kubeconfig can be read', (e as Error).message, 'pass the kubeconfig file of the cluster'),
    ];
  }
  const server = kc.getCurrentCluster()?.server ?? '(no current cluster)';
  let version;
  try {
    version = await kubeHttp(kc)({ path: '/version' });
  } catch (e) {
    return [
      fail(
        API,
        'Kubernetes API is reachable',
        `${server}: ${(e as Error).message}`,
        'check the kubeconfig context, the network and the credentials',
      ),
    ];
  }
  const reachable = [pass(API, 'Kubernetes API is reachable', server), versionCheck(version)];
  const expected = crdObjects();
  const facts = await clusterFacts(kc, opts.namespace);
  if (opts.pre)
    return [
      ...reachable,
      ...(facts.crds.ok ? conflictChecks(facts.crds.value, expected) : crdChecks(facts, expected)),
    ];
  return [
    ...reachable,
    ...crdChecks(facts, expected),
    ...controlPlaneClusterChecks(facts, opts.nowMs),
    ...webhookChecks(facts, opts.nowMs),
    ...identityChecks(facts, opts.nowMs),
  ];
};
