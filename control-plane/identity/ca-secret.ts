// The CA root of a Kubernetes install, kept in a Secret (default weft-system/weft-ca) so every
// replica signs with the same root and a restart keeps it. The operator may create the Secret
// beforehand (own root, or an intermediate with chain.pem); otherwise the first replica allowed
// to (the leader) generates one. Two creators racing are safe: the API server accepts one create,
// the other gets 409 AlreadyExists and reads the winner's root.
import type { Logger } from 'pino';
import { err, ok, type Result } from '../../api/model/result.ts';
import type { Clock } from '../../api/runtime/clock.ts';
import { isKubeError, type KubeHttp } from '../sources/kube/kube-http.ts';
import { loadAuthority } from './authority.ts';
import type { CaAuthorities } from './ca.ts';
import { generateRoot } from './root.ts';

export interface CaSecretOptions {
  readonly http: KubeHttp;
  readonly namespace: string;
  readonly name: string;
  readonly trustDomain: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whether this replica may generate the root now (the leader); others wait for the Secret. */
  readonly mayCreate: () => boolean;
  /** Between checks while waiting for the Secret (default 1 s). */
  readonly pollMs?: number;
  /** Give up waiting after this long (default 5 min); the caller exits and Kubernetes restarts it. */
  readonly timeoutMs?: number;
}

export interface SecretShape {
  readonly data?: Readonly<Record<string, string>>;
}

/** Key names: weft's own (as in the CA directory), or those of a kubernetes.io/tls Secret. */
const KEYS = { cert: ['cert.pem', 'tls.crt'], key: ['key.pem', 'tls.key'], chain: ['chain.pem'] } as const;

const pick = (data: Readonly<Record<string, string>>, names: readonly string[]): string | undefined => {
  const name = names.find((n) => data[n] !== undefined);
  return name === undefined ? undefined : Buffer.from(data[name] ?? '', 'base64').toString('utf8');
};

export const authoritiesFromSecret = async (
  secret: SecretShape,
  where: string,
): Promise<Result<CaAuthorities>> => {
  const data = secret.data ?? {};
  const certPem = pick(data, KEYS.cert);
  const keyPem = pick(data, KEYS.key);
  if (!certPem || !keyPem)
    return err([
      { path: `Secret ${where}: data`, message: 'needs cert.pem and key.pem (or tls.crt and tls.key)' },
    ]);
  const chainPem = pick(data, KEYS.chain);
  const loaded = await loadAuthority({ id: where, certPem, keyPem, ...(chainPem ? { chainPem } : {}) });
  if (!loaded.ok) return err(loaded.error.map((i) => ({ path: `Secret ${i.path}`, message: i.message })));
  return ok({ active: loaded.value });
};

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export const ensureCaSecret = async (o: CaSecretOptions): Promise<Result<CaAuthorities>> => {
  const log = o.logger.child({ component: 'control-plane.identity.ca-secret' });
  const where = `${o.namespace}/${o.name}`;
  const path = `/api/v1/namespaces/${o.namespace}/secrets`;
  const deadline = o.clock.now() + (o.timeoutMs ?? 300_000);
  let waiting = false;
  for (;;) {
    try {
      return await authoritiesFromSecret(
        await o.http<SecretShape & Record<string, unknown>>({ path: `${path}/${o.name}` }),
        where,
      );
    } catch (e) {
      if (!isKubeError(e, 404)) throw e;
    }
    if (o.mayCreate()) {
      const root = await generateRoot({ trustDomain: o.trustDomain, clock: o.clock });
      try {
        await o.http({
          method: 'POST',
          path,
          body: {
            apiVersion: 'v1',
            kind: 'Secret',
            type: 'Opaque',
            metadata: {
              name: o.name,
              namespace: o.namespace,
              labels: { 'app.kubernetes.io/part-of': 'weft' },
            },
            data: { 'cert.pem': b64(root.certPem), 'key.pem': b64(root.keyPem) },
          },
        });
        log.info({ secret: where }, 'generated the mesh CA root and stored it');
      } catch (e) {
        if (!isKubeError(e, 409)) throw e;
        log.info({ secret: where }, 'another replica stored the CA root first: using its root');
      }
      continue; // read back what the API server kept, whoever wrote it
    }
    if (!waiting) log.info({ secret: where }, 'waiting for the leader to create the CA root');
    waiting = true;
    if (o.clock.now() > deadline)
      return err([{ path: `Secret ${where}`, message: 'does not exist and no leader created it in time' }]);
    await new Promise<void>((resolve) => o.clock.setTimeout(resolve, o.pollMs ?? 1_000));
  }
};
