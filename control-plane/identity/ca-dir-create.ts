// Creates a CA directory (`weft ca init`, and `weft control-plane --ca-dir` on first start) and
// new authorities in it (`weft ca rotate add`): a generated ECDSA P-256 root, or the operator's
// own root or intermediate, each checked to load before anything is written.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '../../api/model/result.ts';
import { systemClock, type Clock } from '../../api/runtime/clock.ts';
import { loadAuthority } from './authority.ts';
import { writeAuthority, writeCaState } from './ca-dir.ts';
import type { CaState } from './ca-state.ts';
import { generateRoot } from './root.ts';

export interface AuthoritySource {
  readonly trustDomain: string;
  /** Bring your own root or intermediate (PEM files) instead of generating an ECDSA P-256 root. */
  readonly cert?: string;
  readonly key?: string;
  readonly chain?: string;
  readonly clock?: Clock;
}

const newId = (prefix: string, clock: Clock): string =>
  `${prefix}-${new Date(clock.wallNow()).toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(2).toString('hex')}`;

/** Writes a new authority under DIR/authorities/<id> after checking it loads; returns its id. */
export const createAuthority = async (dir: string, src: AuthoritySource): Promise<Result<string>> => {
  const clock = src.clock ?? systemClock;
  if ((src.cert === undefined) !== (src.key === undefined))
    return err([
      { path: '--cert/--key', message: 'give both --cert and --key, or neither to generate a root' },
    ]);
  const id = newId(src.cert ? 'imported' : 'root', clock);
  const files = src.cert
    ? {
        certPem: await readFile(src.cert, 'utf8'),
        keyPem: await readFile(src.key as string, 'utf8'),
        ...(src.chain ? { chainPem: await readFile(src.chain, 'utf8') } : {}),
      }
    : await generateRoot({ trustDomain: src.trustDomain, clock, label: id });
  const loaded = await loadAuthority({ id, ...files });
  if (!loaded.ok) return loaded;
  await writeAuthority(dir, { id, ...files });
  return ok(id);
};

export const caInit = async (out: string, src: AuthoritySource, force = false): Promise<Result<CaState>> => {
  if (existsSync(join(out, 'state.json')) && !force)
    return err([{ path: join(out, 'state.json'), message: 'exists; use `weft ca rotate` or --force' }]);
  const id = await createAuthority(out, src);
  if (!id.ok) return id;
  const state: CaState = { version: 1, active: id.value, trusted: [] };
  await writeCaState(out, state);
  return ok(state);
};
