// ConfigSource over a folder of Kubernetes-shaped YAML (local mode). Watches recursively,
// debounces, re-reads only files whose bytes changed, and keeps each file's last good content
// while the file is broken, so a typo never takes routes away.
import { createHash } from 'node:crypto';
import { watch, type Dirent, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import type { ConfigIssue } from '../../../api/model/result.ts';
import type { Clock } from '../../../api/runtime/clock.ts';
import { debounce, type Debouncer } from '../../debounce.ts';
import type { ConfigSource, ConfigState, SourcedResource } from '../types.ts';
import { parseFile } from './parse-file.ts';

export interface DirSourceOptions {
  readonly dir: string;
  readonly defaultNamespace: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Quiet time after the last file event before re-reading (default 100 ms). */
  readonly debounceMs?: number;
}

interface FileState {
  readonly digest: string;
  /** Resources of the last version of the file that had no issue. */
  readonly good: readonly SourcedResource[];
  readonly issues: readonly ConfigIssue[];
}

const YAML_FILE = /\.ya?ml$/i;

const isFileOrLinkToFile = async (e: Dirent): Promise<boolean> =>
  e.isFile() ||
  (e.isSymbolicLink() && (await stat(join(e.parentPath, e.name)).catch(() => undefined))?.isFile() === true);

const hidden = (dir: string, file: string): boolean =>
  relative(dir, file)
    .split(sep)
    .some((part) => part.startsWith('.'));

/**
 * YAML files under `dir`, skipping hidden files and folders (.git, editors' swap files, and the
 * `..data` folders of a mounted ConfigMap, whose files are reached through their symlinks).
 */
const listYamlFiles = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files: string[] = [];
  for (const e of entries) {
    const file = join(e.parentPath, e.name);
    if (YAML_FILE.test(e.name) && !hidden(dir, file) && (await isFileOrLinkToFile(e))) files.push(file);
  }
  return files.sort();
};

const readIfPresent = async (file: string): Promise<string | undefined> => {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed mid-scan
    throw e;
  }
};

export const dirSource = (opts: DirSourceOptions): ConfigSource => {
  const log = opts.logger.child({ component: 'control-plane.sources.dir', dir: opts.dir });
  const files = new Map<string, FileState>();
  const ignoredKinds = new Set<string>();
  let state: ConfigState = { resources: [], issues: [] };
  let watcher: FSWatcher | undefined;
  let debouncer: Debouncer | undefined;
  let running: Promise<void> | undefined;
  let rerun = false;
  let listener: (s: ConfigState) => void = () => undefined;

  const display = (file: string): string => join(opts.dir, relative(opts.dir, file));

  const load = (file: string, text: string, previous: FileState | undefined): FileState => {
    const digest = createHash('sha256').update(text).digest('hex');
    if (previous?.digest === digest) return previous;
    const parsed = parseFile(display(file), text, { defaultNamespace: opts.defaultNamespace });
    for (const kind of parsed.ignored) {
      if (ignoredKinds.has(kind)) continue;
      ignoredKinds.add(kind);
      log.info({ kind }, 'ignoring objects of a kind weft does not read');
    }
    if (parsed.issues.length === 0) {
      if (previous?.issues.length) log.info({ file: display(file) }, 'file fixed: its new content is active');
      return { digest, good: parsed.resources, issues: [] };
    }
    const keeping = previous?.good.length
      ? 'keeping its last good content'
      : 'none of its objects are active';
    log.warn({ file: display(file), issues: parsed.issues }, `invalid configuration file: ${keeping}`);
    return { digest, good: previous?.good ?? [], issues: parsed.issues };
  };

  const scanOnce = async (): Promise<void> => {
    const present = new Set(await listYamlFiles(opts.dir));
    for (const file of files.keys()) if (!present.has(file)) files.delete(file);
    for (const file of present) {
      const text = await readIfPresent(file);
      if (text === undefined) files.delete(file);
      else files.set(file, load(file, text, files.get(file)));
    }
    const all = [...files.values()];
    const next: ConfigState = { resources: all.flatMap((f) => f.good), issues: all.flatMap((f) => f.issues) };
    const changed =
      next.resources.length !== state.resources.length ||
      next.resources.some((r, i) => r !== state.resources[i]) ||
      next.issues.length !== state.issues.length ||
      next.issues.some((r, i) => r !== state.issues[i]);
    state = next;
    if (changed) listener(state);
  };

  // Scans never overlap: an event during a scan schedules exactly one more.
  const scan = async (): Promise<void> => {
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      do {
        rerun = false;
        await scanOnce().catch((e: unknown) =>
          log.error({ err: e }, 'reading the configuration directory failed'),
        );
      } while (rerun);
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };

  return {
    async start(onChange) {
      listener = onChange;
      await listYamlFiles(opts.dir); // fails loudly when the directory does not exist
      debouncer = debounce(opts.clock, opts.debounceMs ?? 100, 1_000, () => void scan());
      // Editors save by writing a temp file and renaming it over the original: any event in
      // the tree just schedules a rescan, which compares file contents, so renames are harmless.
      watcher = watch(opts.dir, { recursive: true }, () => debouncer?.trigger());
      watcher.on('error', (e) => log.warn({ err: e }, 'watching the configuration directory failed'));
      await scan();
      log.info({ resources: state.resources.length, issues: state.issues.length }, 'configuration loaded');
    },
    async stop() {
      watcher?.close();
      debouncer?.cancel();
      await running;
    },
    current: () => state,
  };
};
