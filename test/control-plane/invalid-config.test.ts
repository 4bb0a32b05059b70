// The table the configuration reference promises: each kind of mistake in a YAML file gives
// an issue that names the file, the object and the field (or the line, for YAML syntax).
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../control-plane/index/build-model.ts';
import { parseFile } from '../../control-plane/sources/dir/parse-file.ts';
import { SERVICES_YAML, splitYaml } from './helpers.ts';

const FILE = 'config/split.yaml';
const issuesOf = (splitText: string) => {
  const services = parseFile('config/services.yaml', SERVICES_YAML, { defaultNamespace: 'default' });
  const split = parseFile(FILE, splitText, { defaultNamespace: 'default' });
  const model = buildModel([...services.resources, ...split.resources], {
    clusterDomain: 'cluster.local',
    localEndpoints: [],
    firstSeen: () => 0,
  });
  return [...split.issues, ...model.issues];
};

describe('invalid configuration is reported with file, object and field', () => {
  it.each([
    [
      'negative weight',
      splitYaml(-5, 10),
      `${FILE}: TrafficSplit demo/catalog: spec.backends[0].weight`,
      'must be a whole number ≥ 0 (got -5)',
    ],
    [
      'non-integer weight',
      splitYaml(90, 0.5),
      `${FILE}: TrafficSplit demo/catalog: spec.backends[1].weight`,
      'must be a whole number ≥ 0 (got 0.5)',
    ],
    [
      'unknown field',
      splitYaml(90, 10).replace('service: catalog\n', 'service: catalog\n  weights: 3\n'),
      `${FILE}: TrafficSplit demo/catalog: spec.weights`,
      'unknown field: remove it or correct its spelling',
    ],
    [
      'backend not a Service',
      splitYaml(90, 10).replace('catalog-v2', 'catalog-v3'),
      `${FILE}: TrafficSplit demo/catalog: spec.backends[1].service`,
      'no Service demo/catalog-v3 is defined: create it (until then this backend gets no traffic)',
    ],
    [
      'malformed YAML',
      splitYaml(90, 10).replace('  service: catalog', ' service: catalog'),
      `${FILE}:6`,
      expect.stringMatching(/^is not valid YAML: /),
    ],
  ])('%s', (_name, text, path, message) => {
    expect(issuesOf(text)).toContainEqual({ path, message });
  });

  it('a valid file has no issue', () => expect(issuesOf(splitYaml(90, 10))).toEqual([]));
});
