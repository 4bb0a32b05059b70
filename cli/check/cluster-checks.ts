// Pure evaluation of an installation for `weft check --kubeconfig`: the facts read from the API
// server (cluster-facts.ts), the CRDs weft would install and the time → check results with hints.
import { X509Certificate } from 'node:crypto';
import type { JsonObject } from '../../control-plane/sources/kube/kube-http.ts';
import type { ClusterFacts } from './cluster-facts.ts';
import type { Fetched } from './local-checks.ts';
import { fail, pass, warn, type CheckResult } from './result.ts';

/** A root or serving certificate with less than this left is flagged (renewal takes planning). */
export const CERT_WARN_DAYS = 30;
const DAY_MS = 86_400_000;

export type Obj = Readonly<Record<string, unknown>>;
export const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const nameOf = (o: JsonObject): string => String(obj(o.metadata).name ?? '');
const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : '', 'base64').toString('utf8');
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const certsIn = (pem: string): X509Certificate[] => (pem.match(PEM) ?? []).map((p) => new X509Certificate(p));

const versionsOf = (crd: JsonObject): { served: string[]; storage?: string } => {
  const vs = (obj(crd.spec).versions as Obj[] | undefined) ?? [];
  const storage = vs.find((v) => v.storage === true)?.name;
  return {
    served: vs.filter((v) => v.served === true).map((v) => String(v.name)),
    ...(typeof storage === 'string' ? { storage } : {}),
  };
};

export const crdChecks = (facts: ClusterFacts, expected: readonly JsonObject[]): CheckResult[] => {
  const G = 'CRDs';
  if (!facts.crds.ok)
    return [
      fail(
        G,
        'CRDs can be listed',
        facts.crds.error,
        'check the kubeconfig user can list customresourcedefinitions',
      ),
    ];
  const present = new Map(facts.crds.value.map((c) => [nameOf(c), c]));
  return expected.map((want) => {
    const name = nameOf(want);
    const have = present.get(name);
    if (!have)
      return fail(
        G,
        `${name} is installed`,
        'not found',
        'install the CRDs: `weft install | kubectl apply -f -`',
      );
    const w = versionsOf(want);
    const h = versionsOf(have);
    const missing = w.served.filter((v) => !h.served.includes(v));
    if (missing.length > 0 || h.storage !== w.storage)
      return fail(
        G,
        `${name} is installed`,
        `serves ${h.served.join(', ') || 'nothing'} (storage ${h.storage ?? '-'}); weft needs ${w.served.join(', ')} (storage ${w.storage ?? '-'})`,
        'apply the CRDs of this weft release: `weft install | kubectl apply -f -`',
      );
    return pass(G, `${name} is installed`, w.served.join(', '));
  });
};

export const controlPlaneClusterChecks = (facts: ClusterFacts, nowMs: number): CheckResult[] => {
  const G = 'control plane';
  const where = `${facts.namespace}/weft-control-plane`;
  const replicas: CheckResult = (() => {
    if (!facts.deployment.ok)
      return fail(
        G,
        'control-plane replicas are ready',
        `Deployment ${where}: ${facts.deployment.error}`,
        'install weft: `weft install | kubectl apply -f -`',
      );
    const want = Number(obj(facts.deployment.value.spec).replicas ?? 1);
    const ready = Number(obj(facts.deployment.value.status).readyReplicas ?? 0);
    return ready >= want && want > 0
      ? pass(G, 'control-plane replicas are ready', `${ready}/${want}`)
      : fail(
          G,
          'control-plane replicas are ready',
          `${ready}/${want} ready`,
          `kubectl -n ${facts.namespace} describe deployment weft-control-plane; look at its pods' events and logs`,
        );
  })();
  const leader: CheckResult = (() => {
    if (!facts.lease.ok)
      return fail(
        G,
        'one control-plane replica leads',
        `Lease ${where}: ${facts.lease.error}`,
        'no replica has taken the lease: check that the control-plane pods run and may write leases',
      );
    const spec = obj(facts.lease.value.spec);
    const holder = typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
    const renewed = Date.parse(String(spec.renewTime ?? ''));
    const lasts = Number(spec.leaseDurationSeconds ?? 0) * 1000;
    if (!holder || !Number.isFinite(renewed) || renewed + lasts < nowMs)
      return fail(
        G,
        'one control-plane replica leads',
        holder
          ? `lease of ${holder} expired at ${new Date(renewed + lasts).toISOString()}`
          : 'the lease has no holder',
        'the leader stopped renewing: check the control-plane pods and their access to the API server',
      );
    return pass(G, 'one control-plane replica leads', holder);
  })();
  return [replicas, leader];
};

const expiryCheck = (
  group: string,
  name: string,
  cert: X509Certificate,
  nowMs: number,
  hint: string,
): CheckResult => {
  const left = cert.validToDate.getTime() - nowMs;
  if (left <= 0) return fail(group, name, `expired at ${cert.validToDate.toISOString()}`, hint);
  if (left < CERT_WARN_DAYS * DAY_MS)
    return warn(
      group,
      name,
      `expires at ${cert.validToDate.toISOString()} (${Math.floor(left / DAY_MS)} days left)`,
      hint,
    );
  return pass(group, name, `until ${cert.validToDate.toISOString()}`);
};

const secretCert = (s: Fetched<JsonObject>, keys: readonly string[]): X509Certificate[] => {
  if (!s.ok) return [];
  const data = obj(s.value.data);
  const key = keys.find((k) => typeof data[k] === 'string');
  return key ? certsIn(b64(data[key])) : [];
};

export const webhookChecks = (facts: ClusterFacts, nowMs: number): CheckResult[] => {
  const G = 'webhook';
  const NAME = 'webhook CA bundle verifies the serving certificate';
  const regen = `regenerate both: \`weft install | kubectl apply -f -\` writes Secret ${facts.namespace}/weft-webhook-tls and the caBundle together, then restart the control plane`;
  if (!facts.webhook.ok)
    return [
      fail(
        G,
        'webhook configuration weft-injector exists',
        facts.webhook.error,
        'install weft: `weft install | kubectl apply -f -`',
      ),
    ];
  const hooks = (facts.webhook.value.webhooks as Obj[] | undefined) ?? [];
  const bundle = certsIn(b64(obj(hooks[0]?.clientConfig).caBundle));
  const serving = secretCert(facts.webhookSecret, ['tls.crt'])[0];
  const present = pass(G, 'webhook configuration weft-injector exists');
  if (bundle.length === 0) return [present, fail(G, NAME, 'the caBundle is empty', regen)];
  if (!serving)
    return [
      present,
      fail(
        G,
        NAME,
        `Secret ${facts.namespace}/weft-webhook-tls: ${facts.webhookSecret.ok ? 'no tls.crt' : facts.webhookSecret.error}`,
        regen,
      ),
    ];
  const verified = bundle.some((ca) => serving.checkIssued(ca) && serving.verify(ca.publicKey));
  return [
    present,
    verified
      ? pass(G, NAME)
      : fail(
          G,
          NAME,
          `the serving certificate (issuer ${serving.issuer.replaceAll('\n', ', ')}) is not signed by the caBundle`,
          `${regen}; until then the API server rejects the injector's TLS and pods are created without sidecars`,
        ),
    expiryCheck(G, 'webhook serving certificate is valid', serving, nowMs, regen),
  ];
};

export const identityChecks = (facts: ClusterFacts, nowMs: number): CheckResult[] => {
  const G = 'identity';
  const root = secretCert(facts.caSecret, ['cert.pem', 'tls.crt'])[0];
  const rotate = 'rotate the root: docs/runbooks/root-rotation.md';
  const rootCheck = root
    ? expiryCheck(G, 'mesh CA root is valid', root, nowMs, rotate)
    : fail(
        G,
        'mesh CA root is valid',
        `Secret ${facts.namespace}/weft-ca: ${facts.caSecret.ok ? 'no cert.pem or tls.crt' : facts.caSecret.error}`,
        'the leader creates it at start: check the control-plane pods and their logs',
      );
  if (!facts.rootCaMaps.ok)
    return [
      rootCheck,
      fail(
        G,
        'weft-root-ca ConfigMap in every meshed namespace',
        facts.rootCaMaps.error,
        'check the kubeconfig user can list namespaces',
      ),
    ];
  const maps = [...facts.rootCaMaps.value].sort(([a], [b]) => a.localeCompare(b));
  return [
    rootCheck,
    ...maps.map(([ns, cm]): CheckResult => {
      const name = `weft-root-ca ConfigMap in ${ns}`;
      if (!cm.ok)
        return fail(
          G,
          name,
          cm.error,
          'the leader publishes it into every meshed namespace: check the control plane leads and may write configmaps there',
        );
      const roots = certsIn(String(obj(cm.value.data)['root-cert.pem'] ?? ''));
      if (root && !roots.some((r) => r.fingerprint256 === root.fingerprint256))
        return fail(
          G,
          name,
          'does not hold the current CA root',
          'new sidecars there cannot verify the control plane: the leader republishes it within seconds; if not, check its logs',
        );
      return pass(G, name);
    }),
  ];
};
