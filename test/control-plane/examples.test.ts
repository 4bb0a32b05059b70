// The shipped examples are configuration users copy: every mesh YAML file under examples/ must
// parse without a single issue. examples/prometheus/ holds Prometheus's own configuration
// (checked with promtool in test/observability/prometheus-config.test.ts), not mesh resources.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../control-plane/sources/dir/parse-file.ts';

const files = (await readdir('examples', { recursive: true, withFileTypes: true }))
  .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !e.parentPath.includes('prometheus'))
  .map((e) => join(e.parentPath, e.name));

describe('examples/', () => {
  it.each(files)('%s parses cleanly', async (file) => {
    expect(parseFile(file, await readFile(file, 'utf8'), { defaultNamespace: 'default' }).issues).toEqual([]);
  });
});
