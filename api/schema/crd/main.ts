// `npm run gen:crds`: rewrites crds/*.yaml from the zod schemas (and removes stale files there).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from './render.ts';

export const CRD_DIR = fileURLToPath(new URL('../../../crds/', import.meta.url));

const main = async (): Promise<void> => {
  const files = renderCrdFiles();
  await mkdir(CRD_DIR, { recursive: true });
  for (const old of await readdir(CRD_DIR))
    if (old.endsWith('.yaml') && !(old in files)) await rm(`${CRD_DIR}${old}`);
  for (const [name, text] of Object.entries(files)) await writeFile(`${CRD_DIR}${name}`, text);
  process.stdout.write(`wrote ${Object.keys(files).length} files to crds/\n`);
};

if (import.meta.main) await main();
