// Real files and fs.watch in a temp folder; the source's debounce runs on the real clock
// (20 ms) because file events are real. Waits are bounded polls, never fixed sleeps.
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../api/runtime/clock.ts';
import { eventually, quietLogger, tempConfigDir, type TempDir } from '../../../test/control-plane/helpers.ts';
import type { ConfigState } from '../types.ts';
import { dirSource } from './dir-source.ts';

const svc = (name: string, port = 80) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: ${port}}]}\n`;
let tmp: TempDir | undefined;
let stop: (() => Promise<void>) | undefined;

const open = async (files: Record<string, string>) => {
  tmp = await tempConfigDir(files);
  const states: ConfigState[] = [];
  const source = dirSource({
    dir: tmp.dir,
    defaultNamespace: 'demo',
    clock: systemClock,
    logger: quietLogger(),
    debounceMs: 20,
  });
  await source.start((s) => states.push(s));
  stop = () => source.stop();
  const names = () =>
    source
      .current()
      .resources.map(
        (r) =>
          `${r.resource.meta.name}:${r.resource.kind === 'Service' ? r.resource.spec.ports?.[0]?.port : ''}`,
      );
  return { source, states, names, dir: tmp };
};

afterEach(async () => {
  await stop?.();
  await tmp?.remove();
  stop = tmp = undefined;
});

describe('dirSource', () => {
  it('loads .yaml and .yml files recursively and applies the default namespace', async () => {
    const { source, dir } = await open({
      'a.yaml': svc('a'),
      'b.yml': svc('b'),
      'notes.txt': 'ignored',
      '.hidden.yaml': svc('h'),
    });
    expect(
      source.current().resources.map((r) => `${r.resource.meta.namespace}/${r.resource.meta.name}`),
    ).toEqual(['demo/a', 'demo/b']);
    await mkdir(join(dir.dir, 'nested'));
    await dir.write('nested/c.yaml', svc('c'));
    await eventually(
      () => (source.current().resources.length === 3 ? true : undefined),
      3_000,
      'nested file',
    );
  });

  it('keeps the last good content of a broken file, reports it, and recovers when fixed', async () => {
    const { source, names, dir } = await open({ 'a.yaml': svc('a', 80), 'b.yaml': svc('b', 81) });
    await dir.write('a.yaml', svc('a', 8080).replace('port: 8080', 'port: -1'));
    await eventually(() => (source.current().issues.length > 0 ? true : undefined), 3_000, 'issue');
    expect(names()).toEqual(['a:80', 'b:81']); // last good a.yaml still active
    expect(source.current().issues).toEqual([
      {
        path: `${join(dir.dir, 'a.yaml')}: Service demo/a: spec.ports[0].port`,
        message: 'must be a whole number from 1 to 65535 (got -1)',
      },
    ]);
    // A syntax error too keeps the old content.
    await dir.write('a.yaml', 'kind: [');
    await eventually(
      () => (source.current().issues[0]?.message.startsWith('is not valid YAML') ? true : undefined),
      3_000,
      'yaml issue',
    );
    expect(names()).toEqual(['a:80', 'b:81']);
    await dir.write('a.yaml', svc('a', 9090));
    await eventually(() => (source.current().issues.length === 0 ? true : undefined), 3_000, 'recovery');
    expect(names()).toEqual(['a:9090', 'b:81']);
  });

  it('a file that was never valid contributes nothing; a removed file takes its objects away', async () => {
    const { source, names, dir } = await open({ 'a.yaml': svc('a'), 'bad.yaml': 'kind: [' });
    expect(names()).toEqual(['a:80']);
    expect(source.current().issues).toHaveLength(1);
    await rm(join(dir.dir, 'a.yaml'));
    await rm(join(dir.dir, 'bad.yaml'));
    await eventually(
      () =>
        source.current().resources.length === 0 && source.current().issues.length === 0 ? true : undefined,
      3_000,
      'removal',
    );
  });

  it('picks up a save by rename (as vim does) as an update, then drops the file when it is deleted', async () => {
    const { names, dir } = await open({ 'a.yaml': svc('a'), 'b.yaml': svc('b') });
    expect(names()).toEqual(['a:80', 'b:80']);
    // the editor writes the new content beside the file and renames it over the original
    const saveByRename = async (port: number): Promise<void> => {
      await dir.write('.a.yaml.swp', svc('a', port));
      await rename(join(dir.dir, '.a.yaml.swp'), join(dir.dir, 'a.yaml'));
    };
    await saveByRename(81);
    await eventually(() => (names().includes('a:81') ? true : undefined), 3_000, 'rename-save');
    await saveByRename(82);
    await eventually(() => (names().includes('a:82') ? true : undefined), 3_000, 'second rename-save');
    await rm(join(dir.dir, 'a.yaml'));
    await eventually(
      () => (names().join() === 'b:80' ? true : undefined),
      3_000,
      'deletion after rename-save',
    );
  });

  it('watches folders made after start, also one removed and made again', async () => {
    const { names, dir } = await open({ 'a.yaml': svc('a') });
    await mkdir(join(dir.dir, 'nested'));
    await dir.write('nested/c.yaml', svc('c'));
    await eventually(() => (names().includes('c:80') ? true : undefined), 3_000, 'file in a new folder');
    await rm(join(dir.dir, 'nested'), { recursive: true });
    await mkdir(join(dir.dir, 'nested'));
    await eventually(() => (names().join() === 'a:80' ? true : undefined), 3_000, 'folder removed');
    await dir.write('nested/d.yaml', svc('d'));
    await eventually(() => (names().includes('d:80') ? true : undefined), 3_000, 'file in the new folder');
    await rm(join(dir.dir, 'nested/d.yaml'));
    await eventually(() => (names().join() === 'a:80' ? true : undefined), 3_000, 'file deleted');
  });

  it('reads a mounted ConfigMap: files are symlinks into a hidden ..data folder that is swapped on update', async () => {
    const { source, names, dir } = await open({});
    const version = async (n: number, port: number) => {
      await mkdir(join(dir.dir, `..v${n}`));
      await writeFile(join(dir.dir, `..v${n}`, 'svc.yaml'), svc('cm', port));
      await symlink(`..v${n}`, join(dir.dir, '..data_tmp'));
      await rename(join(dir.dir, '..data_tmp'), join(dir.dir, '..data'));
    };
    await version(1, 80);
    await symlink('..data/svc.yaml', join(dir.dir, 'svc.yaml'));
    await eventually(
      () => (source.current().resources.length === 1 ? true : undefined),
      3_000,
      'configmap file',
    );
    expect(names()).toEqual(['cm:80']);
    await version(2, 81);
    await eventually(() => (names()[0] === 'cm:81' ? true : undefined), 3_000, 'configmap update');
  });

  it('fails to start on a missing directory', async () => {
    const source = dirSource({
      dir: '/nonexistent/weft-config',
      defaultNamespace: 'default',
      clock: systemClock,
      logger: quietLogger(),
    });
    await expect(source.start(() => undefined)).rejects.toThrow(/ENOENT/);
  });
});
