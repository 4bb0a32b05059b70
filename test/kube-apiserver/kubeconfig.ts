// A client-node KubeConfig pointing at the stand-in: bearer token by default, or a client
// certificate issued by the stand-in's CA; the CA is trusted when serving TLS.
import { KubeConfig, type User } from '@kubernetes/client-node';
import type { TestCa } from './certs.ts';

export interface KubeConfigOptions {
  /** 'token' (default) or 'cert' (TLS only): a client certificate with CN=user, O=groups. */
  readonly auth?: 'token' | 'cert';
  readonly token?: string;
  /** Client-certificate user name; default weft-test-admin. */
  readonly user?: string;
  readonly groups?: readonly string[];
  /** The context's namespace; default "default". */
  readonly namespace?: string;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export const buildKubeConfig = (
  url: string,
  ca: TestCa | undefined,
  token: string,
  k: KubeConfigOptions,
): KubeConfig => {
  let user: User = { name: 'weft-standin-user', token: k.token ?? token };
  if (k.auth === 'cert') {
    if (!ca) throw new Error('client-certificate auth needs startKubeApiServer({ tls: true })');
    const pair = ca.issue({
      commonName: k.user ?? 'weft-test-admin',
      organisations: k.groups ?? ['system:masters'],
    });
    user = { name: 'weft-standin-user', certData: b64(pair.cert), keyData: b64(pair.key) };
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain http unless skipTLSVerify is set; with TLS the CA is pinned.
    clusters: [
      { name: 'weft-standin', server: url, skipTLSVerify: !ca, ...(ca ? { caData: b64(ca.cert) } : {}) },
    ],
    users: [user],
    contexts: [
      { name: 'weft-standin', cluster: 'weft-standin', user: user.name, namespace: k.namespace ?? 'default' },
    ],
    currentContext: 'weft-standin',
  });
  return kc;
};
