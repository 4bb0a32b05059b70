// The CA directory that `weft ca` writes and the control plane reads:
//   <dir>/state.json                   which authority signs and which roots are trusted (ca-state.ts)
//   <dir>/authorities/<id>/cert.pem    signing certificate (self-signed root or intermediate)
//   <dir>/authorities/<id>/key.pem     its private key, mode 0600 (absent: trust only)
//   <dir>/authorities/<id>/chain.pem   for an intermediate: certificates above it up to the root
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';
import { loadAuthority, type Authority, type AuthorityPem } from './authority.ts';
import type { CaAuthorities } from './ca.ts';
import { authorityIds, parseCaState, type CaState } from './ca-state.ts';

const authorityDir = (dir: string, id: string): string => join(dir, 'authorities', id);

const readOptional = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

export const readCaState = async (dir: string): Promise<Result<CaState>> => {
  const text = await readOptional(join(dir, 'state.json'));
  if (text === undefined)
    return err([
      { path: join(dir, 'state.json'), message: 'missing; create the CA with `weft ca init --out DIR`' },
    ]);
  try {
    return parseCaState(JSON.parse(text));
  } catch (e) {
    return err([{ path: join(dir, 'state.json'), message: `not JSON: ${(e as Error).message}` }]);
  }
};

const readAuthorityPem = async (dir: string, id: string): Promise<Result<AuthorityPem>> => {
  const base = authorityDir(dir, id);
  const certPem = await readOptional(join(base, 'cert.pem'));
  if (certPem === undefined) return err([{ path: join(base, 'cert.pem'), message: 'missing' }]);
  const keyPem = await readOptional(join(base, 'key.pem'));
  const chainPem = await readOptional(join(base, 'chain.pem'));
  return ok({
    id,
    certPem,
    ...(keyPem !== undefined ? { keyPem } : {}),
    ...(chainPem !== undefined ? { chainPem } : {}),
  });
};

/** Loads every authority state.json names; all problems at once, with their file paths. */
export const loadCaDir = async (dir: string): Promise<Result<CaAuthorities>> => {
  const state = await readCaState(dir);
  if (!state.ok) return state;
  const issues: ConfigIssue[] = [];
  const loaded = new Map<string, Authority>();
  for (const id of authorityIds(state.value)) {
    const pem = await readAuthorityPem(dir, id);
    const authority = pem.ok ? await loadAuthority(pem.value) : pem;
    if (authority.ok) loaded.set(id, authority.value);
    else issues.push(...authority.error.map((i) => ({ ...i, path: join(dir, 'authorities', i.path) })));
  }
  const active = loaded.get(state.value.active);
  if (active && !active.signer)
    issues.push({
      path: join(authorityDir(dir, active.id), 'key.pem'),
      message: 'the active authority needs its key',
    });
  if (!active || issues.length > 0) return err(issues);
  const trusted = state.value.trusted.filter((t) => t !== active.id).map((t) => loaded.get(t) as Authority);
  return ok({ active, trusted });
};

/** Replaces a file atomically so a control plane reading concurrently never sees half of it. */
const atomicWrite = async (path: string, data: string, mode: number): Promise<void> => {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
};

export const writeAuthority = async (
  dir: string,
  files: { id: string; certPem: string; keyPem?: string; chainPem?: string },
): Promise<void> => {
  const base = authorityDir(dir, files.id);
  await mkdir(base, { recursive: true, mode: 0o700 });
  await atomicWrite(join(base, 'cert.pem'), files.certPem, 0o644);
  if (files.keyPem !== undefined) await atomicWrite(join(base, 'key.pem'), files.keyPem, 0o600);
  if (files.chainPem !== undefined) await atomicWrite(join(base, 'chain.pem'), files.chainPem, 0o644);
};

export const writeCaState = async (dir: string, state: CaState): Promise<void> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await atomicWrite(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, 0o644);
};
