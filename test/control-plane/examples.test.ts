// The shipped examples are configuration users copy: every YAML file under examples/ must
// parse without a single issue.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../control-plane/sources/dir/parse-file.ts';

const files = (await readdir('examples', { recursive: true, withFileTypes: true }))
  .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
  .map((e) => join(e.parentPath, e.name));

describe('examples/', () => {
  it.each(files)('%s parses cleanly', async (file) => {
    expect(parseFile(file, await readFile(file, 'utf8'), { defaultNamespace: 'default' }).issues).toEqual([]);
  });
});
