import { describe, expect, it } from 'vitest';
import { parseFile } from './parse-file.ts';

const opts = { defaultNamespace: 'default' };
const service = (name: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: 80}]}\n`;

describe('parseFile', () => {
  it('reads every document of a multi-document file, skipping empty ones', () => {
    const r = parseFile('cfg/a.yaml', `${service('a')}---\n---\n${service('b')}---\n`, opts);
    expect(r.issues).toEqual([]);
    expect(r.resources.map((x) => [x.origin, x.resource.meta.name])).toEqual([
      ['cfg/a.yaml', 'a'],
      ['cfg/a.yaml', 'b'],
    ]);
  });

  it('names the file and line of malformed YAML', () => {
    const bad = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n namespace: b\nspec: {}\n';
    const r = parseFile('cfg/bad.yaml', `${service('a')}---\n${bad}`, opts);
    expect(r.issues).toEqual([
      {
        path: 'cfg/bad.yaml:10',
        message: 'is not valid YAML: All mapping items must start at the same column',
      },
    ]);
    expect(r.resources).toHaveLength(1); // the valid document of the same file is still read
  });

  it('prefixes object issues with the file', () => {
    const r = parseFile(
      'cfg/s.yaml',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: -1}]}',
      opts,
    );
    expect(r.issues).toEqual([
      {
        path: 'cfg/s.yaml: Service default/s: spec.ports[0].port',
        message: 'must be a whole number from 1 to 65535 (got -1)',
      },
    ]);
  });

  it('lists kinds it ignores so the caller can log them once', () => {
    const r = parseFile(
      'cfg/dev.yaml',
      'apiVersion: dev.weft.io/v1alpha1\nkind: DevWorkload\nmetadata: {name: x}\nspec: {}',
      opts,
    );
    expect(r).toEqual({ resources: [], issues: [], ignored: ['dev.weft.io/v1alpha1 DevWorkload'] });
  });
});
