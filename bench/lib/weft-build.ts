// The weft rows run the sidecar as the image ships it: the esbuild bundle (scripts/build-dist.ts)
// with the bench's launcher as one more entry beside the CLI, made once per bench run in the run's
// temp dir, so weft's memory and start-up are measured the way users get them. The bundle carries
// its dependencies: no node_modules beside it. WEFT_BENCH_FROM_SOURCE=1 runs the .ts sources
// instead (Node strips them at load), to compare the two.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_DIR, buildDist } from '../../scripts/build-dist.ts';
import { FROM_SOURCE_ENV } from './env.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SIDECAR_MAIN = 'bench/peers/weft-sidecar-main';
const ENTRY = 'weft-sidecar-main';

const built = new Map<string, Promise<string>>();

/** True when the weft rows run the built form (the default). */
export const runsBuilt = (): boolean => process.env[FROM_SOURCE_ENV] !== '1';

/** The script a weft sidecar row runs, bundling it into `dir` on first use. */
export const weftSidecarMain = (dir: string): Promise<string> => {
  if (!runsBuilt()) return Promise.resolve(join(REPO, `${SIDECAR_MAIN}.ts`));
  let main = built.get(dir);
  if (main === undefined) {
    const out = join(dir, 'weft-dist');
    main = buildDist({ root: REPO, out, sidecarEntries: { [ENTRY]: `${SIDECAR_MAIN}.ts` } }).then(() =>
      join(out, BUNDLE_DIR, `${ENTRY}.js`),
    );
    built.set(dir, main);
  }
  return main;
};
