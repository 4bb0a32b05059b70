// The weft release every program reports (CLI, control plane, sidecar): package.json's version,
// read once at start so a build and its source tree cannot disagree.
import { createRequire } from 'node:module';

export const WEFT_VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

/** What `/version` answers on the admin ports: enough to spot skew between components. */
export interface ComponentVersion {
  readonly component: 'cli' | 'control-plane' | 'proxy';
  readonly version: string;
  readonly node: string;
}

export const componentVersion = (component: ComponentVersion['component']): ComponentVersion => ({
  component,
  version: WEFT_VERSION,
  node: process.version,
});
