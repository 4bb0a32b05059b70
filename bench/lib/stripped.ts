// The Node peers (http-proxy, undici, the TLS tunnel) run as plain JavaScript, type-stripped once
// per bench run into the run's temp dir: a .ts entry loads Node's TypeScript stripper, ~16 MB of
// RSS per process (a tunnel hop: 72 MB as .ts, 56 MB as .js), which would count in their figures
// and in Node's floor while weft's bundle carries none of it.
import { symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripTree } from '../../scripts/build-dist.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ROOTS = ['api', 'cli', 'bench/peers'];

const trees = new Map<string, string>();

/** The stripped .js of `script` (a .ts module under api/, cli/ or bench/peers/), built into `dir` once. */
export const strippedScript = (dir: string, script: URL): string => {
  let out = trees.get(dir);
  if (out === undefined) {
    out = join(dir, 'peers-js');
    stripTree({ root: REPO, out, roots: ROOTS });
    // the peers' packages (http-proxy, undici) come from the repository's node_modules
    symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'));
    trees.set(dir, out);
  }
  return join(out, relative(REPO, fileURLToPath(script)).replace(/\.ts$/, '.js'));
};
