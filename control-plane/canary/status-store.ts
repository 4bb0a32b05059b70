// Where rollouts are recorded so a restarted control plane resumes them: in memory, or (local
// mode, --canary-state FILE) a JSON file replaced atomically on every change. Kubernetes mode
// records them in each Canary's status instead.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RolloutState } from './rollout.ts';

/** A rollout as recorded: its state, and where its weights go (kept after the Canary is deleted). */
export interface RecordedRollout {
  readonly state: RolloutState;
  /** `Kind namespace/name` of the traffic object. */
  readonly trafficKey: string;
  readonly stableBackend: string;
  readonly canaryBackend: string;
  /** When the Canary was deleted; its last weights stay on the traffic object. */
  readonly releasedAt?: string;
  /** The traffic object's spec as written when the Canary was deleted: an edit after that wins. */
  readonly releasedSpec?: string;
}

export interface CanaryStatusStore {
  load(): ReadonlyMap<string, RecordedRollout>;
  save(all: ReadonlyMap<string, RecordedRollout>): void;
}

export const memoryStatusStore = (): CanaryStatusStore => {
  let saved = new Map<string, RecordedRollout>();
  return { load: () => new Map(saved), save: (all) => void (saved = new Map(all)) };
};

export const fileStatusStore = (path: string): CanaryStatusStore => ({
  load() {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return new Map();
    }
    const parsed = JSON.parse(text) as { rollouts?: Record<string, RecordedRollout> };
    return new Map(Object.entries(parsed.rollouts ?? {}));
  },
  save(all) {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ rollouts: Object.fromEntries(all) }, null, 2)}\n`);
    renameSync(tmp, path); // readers never see half a file
  },
});
