// The workload certificate and key kept in the sidecar's state directory, which the injector
// mounts as an in-memory volume (emptyDir medium Memory): a sidecar restarted while the CA is
// unreachable comes back with its still-valid certificate instead of no identity at all.
// Trade-off (docs/security.md): the key now also lives in tmpfs, readable by whatever mounts that
// volume in the pod, not only in this process's memory; it never reaches the node's disk.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Logger } from 'pino';
import { latestWriter, readStateFile, writeStateFile } from '../discovery/state-file.ts';
import { uriSans } from '../../api/model/subject-alt-name.ts';

export const IDENTITY_FILE = 'identity.json';

export interface StoredIdentity {
  readonly privateKeyPem: string;
  /** Leaf first. */
  readonly chainPem: readonly string[];
  readonly notAfterMs: number;
  readonly trustBundlePem: readonly string[];
}

const chainsTo = (chain: readonly string[], roots: readonly string[]): boolean => {
  const top = new X509Certificate(chain.at(-1) as string);
  return roots.some((pem) => {
    const root = new X509Certificate(pem);
    return top.checkIssued(root) && top.verify(root.publicKey);
  });
};

/** Why `s` may not be used as `identity` at wall time `now`, or undefined when it may. */
export const refuseStored = (s: StoredIdentity, identity: string, now: number): string | undefined => {
  if (!Array.isArray(s.chainPem) || s.chainPem.length === 0) return 'no certificate chain';
  if (!Array.isArray(s.trustBundlePem)) return 'no trust bundle';
  const leaf = new X509Certificate(s.chainPem[0] as string);
  if (Date.parse(leaf.validTo) <= now) return `expired at ${leaf.validTo}`;
  if (Date.parse(leaf.validFrom) > now) return `not valid before ${leaf.validFrom}`;
  if (!uriSans(leaf.subjectAltName).includes(identity))
    return `names ${leaf.subjectAltName}, not ${identity}`;
  if (!leaf.checkPrivateKey(createPrivateKey(s.privateKeyPem))) return 'key does not match the certificate';
  if (s.trustBundlePem.length > 0 && !chainsTo(s.chainPem, s.trustBundlePem))
    return 'chain does not lead to a root of its trust bundle';
  return undefined;
};

/** The stored identity if it is still valid for `identity`; undefined (logged once) otherwise. */
export const loadIdentity = async (
  dir: string,
  identity: string,
  now: number,
  logger: Logger,
): Promise<StoredIdentity | undefined> => {
  const log = logger.child({ component: 'proxy.identity.persisted', dir });
  try {
    const text = await readStateFile(dir, IDENTITY_FILE);
    if (text === undefined) return undefined;
    const s = JSON.parse(text) as StoredIdentity;
    const refused = refuseStored(s, identity, now);
    if (refused !== undefined) {
      log.info({ why: refused }, 'persisted certificate not usable; asking the CA');
      return undefined;
    }
    const leaf = new X509Certificate(s.chainPem[0] as string);
    log.info({ notAfter: leaf.validTo }, 'persisted certificate loaded');
    return { ...s, notAfterMs: Date.parse(leaf.validTo) };
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'persisted certificate unreadable; asking the CA');
    return undefined;
  }
};

/** A save function for IdentityOptions.persist: latest value wins, failures only logged. */
export const identitySaver = (dir: string, logger: Logger): ((s: StoredIdentity) => void) => {
  const log = logger.child({ component: 'proxy.identity.persisted', dir });
  const save = latestWriter(
    (s: StoredIdentity) => writeStateFile(dir, IDENTITY_FILE, JSON.stringify(s)),
    (e) => log.warn({ err: (e as Error).message }, 'cannot persist the certificate'),
  );
  return (s) => void save(s);
};
