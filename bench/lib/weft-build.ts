// The weft rows run the sidecar as the image ships it: the type-stripped build
// (scripts/build-dist.ts), made once per bench run in the run's temp dir, so weft's memory and
// start-up are measured the way users get them. WEFT_BENCH_FROM_SOURCE=1 runs the .ts sources
// instead (Node strips them at load), to compare the two.
import { symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDist, PRODUCT_ROOTS } from '../../scripts/build-dist.ts';
import { FROM_SOURCE_ENV } from './env.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SIDECAR_MAIN = 'bench/peers/weft-sidecar-main';

const built = new Map<string, string>();

/** True when the weft rows run the built form (the default). */
export const runsBuilt = (): boolean => process.env[FROM_SOURCE_ENV] !== '1';

/** The script a weft sidecar row runs, building the stripped form into `dir` on first use. */
export const weftSidecarMain = (dir: string): string => {
  if (!runsBuilt()) return join(REPO, `${SIDECAR_MAIN}.ts`);
  let main = built.get(dir);
  if (main === undefined) {
    const out = join(dir, 'weft-dist');
    buildDist({ root: REPO, out, roots: [...PRODUCT_ROOTS, 'bench/peers'] });
    // the build holds no dependencies; the image installs them, the bench borrows the repo's
    symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'));
    main = join(out, `${SIDECAR_MAIN}.js`);
    built.set(dir, main);
  }
  return main;
};
