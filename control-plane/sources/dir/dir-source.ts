// ConfigSource over a folder of Kubernetes-shaped YAML (local mode). Watches every folder of the
// tree, debounces, re-reads only files whose bytes changed, and keeps each file's last good content
// while the file is broken, so a typo never takes routes away.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import type { ConfigIssue } from '../../../api/model/result.ts';
import type { Clock } from '../../../api/runtime/clock.ts';
import { debounce, type Debouncer } from '../../debounce.ts';
import type { ConfigSource, ConfigState, SourcedResource } from '../types.ts';
import { folderWatches, type FolderWatches } from './folder-watches.ts';
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

interface Tree {
  /** YAML files, sorted. */
  readonly files: string[];
  /** `dir` and its folders. */
  readonly folders: string[];
}

/**
 * YAML files and folders under `dir`, skipping hidden files and folders (.git, editors' swap
 * files, and the `..data` folders of a mounted ConfigMap, whose files are reached through their
 * symlinks, which live in a watched folder).
 */
const listTree = async (dir: string): Promise<Tree> => {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files: string[] = [];
  const folders = [dir];
  for (const e of entries) {
    const path = join(e.parentPath, e.name);
    if (hidden(dir, path)) continue;
    if (e.isDirectory()) folders.push(path);
    else if (YAML_FILE.test(e.name) && (await isFileOrLinkToFile(e))) files.push(path);
  }
  return { files: files.sort(), folders };
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
  let watches: FolderWatches | undefined;
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
    const tree = await listTree(opts.dir);
    // a new folder may have got files before its watch existed: look once more
    if (watches?.sync(tree.folders)) debouncer?.trigger();
    const present = new Set(tree.files);
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
      await listTree(opts.dir); // fails loudly when the directory does not exist
      debouncer = debounce(opts.clock, opts.debounceMs ?? 100, 1_000, () => void scan());
      // Any event in a folder just schedules a rescan, which compares file contents, so a save
      // by rename, a deletion or a new folder all end the same way.
      watches = folderWatches(
        () => debouncer?.trigger(),
        (folder, e) => log.warn({ err: e, folder }, 'watching a configuration folder failed'),
      );
      await scan();
      log.info({ resources: state.resources.length, issues: state.issues.length }, 'configuration loaded');
    },
    async stop() {
      watches?.close();
      debouncer?.cancel();
      await running;
    },
    current: () => state,
  };
};
