// `weft check --pre`: may the kubeconfig's user create every kind `weft install` applies? One
// SelfSubjectAccessReview per kind (and namespace), derived from the rendered install itself so
// the list cannot drift from what install does.
import type { KubeHttp, JsonObject } from '../../control-plane/sources/kube/kube-http.ts';
import { installObjects } from '../install/manifests.ts';
import { fail, pass, type CheckResult } from './result.ts';

interface Access {
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
}

/** Kinds of the install as review attributes: lower-case plural (every install kind takes +s). */
export const installAccess = (namespace: string): Access[] => {
  const objects = installObjects({
    image: 'weft',
    trustDomain: 'cluster.local',
    replicas: 1,
    namespace,
    webhookTls: { caPem: '', certPem: '', keyPem: '' },
  });
  const seen = new Map<string, Access>();
  for (const o of objects) {
    const apiVersion = String(o.apiVersion);
    const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
    const ns = (o.metadata as { namespace?: string } | undefined)?.namespace;
    const a: Access = {
      group,
      resource: `${String(o.kind).toLowerCase()}s`,
      ...(ns ? { namespace: ns } : {}),
    };
    seen.set(`${a.group}/${a.resource}/${a.namespace ?? ''}`, a);
  }
  return [...seen.values()];
};

const review = (a: Access): JsonObject => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SelfSubjectAccessReview',
  spec: {
    resourceAttributes: {
      verb: 'create',
      group: a.group,
      resource: a.resource,
      ...(a.namespace ? { namespace: a.namespace } : {}),
    },
  },
});

export const permissionChecks = async (http: KubeHttp, namespace: string): Promise<CheckResult[]> =>
  Promise.all(
    installAccess(namespace).map(async (a): Promise<CheckResult> => {
      const what = `may create ${a.resource}${a.group ? `.${a.group}` : ''}${a.namespace ? ` in ${a.namespace}` : ''}`;
      try {
        const r = await http<{ status?: { allowed?: boolean; reason?: string } }>({
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          body: review(a),
        });
        return r.status?.allowed === true
          ? pass('permissions', what)
          : fail(
              'permissions',
              what,
              r.status?.reason || 'not allowed',
              'weft install needs rights to create CRDs, ClusterRoles and webhook configurations: run it as a cluster admin',
            );
      } catch (e) {
        return fail(
          'permissions',
          what,
          (e as Error).message,
          'the API server must serve SelfSubjectAccessReview (authorization.k8s.io/v1)',
        );
      }
    }),
  );
