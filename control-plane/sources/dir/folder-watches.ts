// One non-recursive fs.watch per folder of the configuration tree. A folder watch reports every
// change to the folder's entries by name, whatever inode a name points at now, so a file saved by
// renaming a temp file over it (vim and other editors) and deleted later is still seen. Node's
// recursive watch on Linux follows the inode each file had when it was first seen, and misses
// the deletion of a file that replaced it.
import { watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';

export interface FolderWatches {
  /** Watches exactly these folders. Returns true when it added a watch: the folder's content may predate it. */
  sync(folders: readonly string[]): boolean;
  close(): void;
}

export const folderWatches = (
  onEvent: () => void,
  onError: (folder: string, e: Error) => void,
): FolderWatches => {
  const watches = new Map<string, FSWatcher>();
  const drop = (folder: string): void => {
    watches.get(folder)?.close();
    watches.delete(folder);
  };
  const add = (folder: string): void => {
    const watcher = watch(folder, (type, name) => {
      // A removed folder reports a rename of itself and its watch is dead from then on, even if
      // a folder of the same name (often with the same inode number) is made again: drop it so
      // the next sync watches whatever is there now. An entry named like its folder only costs
      // a fresh watch.
      if (type === 'rename' && name === basename(folder)) drop(folder);
      onEvent();
    });
    watcher.on('error', (e) => {
      onError(folder, e);
      drop(folder);
      onEvent();
    });
    watches.set(folder, watcher);
  };
  return {
    sync(folders) {
      const wanted = new Set(folders);
      for (const folder of watches.keys()) if (!wanted.has(folder)) drop(folder);
      let added = false;
      for (const folder of wanted) {
        if (watches.has(folder)) continue;
        try {
          add(folder);
          added = true;
        } catch (e) {
          // removed between listing and watching: its parent's watch reports that
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') onError(folder, e as Error);
        }
      }
      return added;
    },
    close() {
      for (const folder of [...watches.keys()]) drop(folder);
    },
  };
};
