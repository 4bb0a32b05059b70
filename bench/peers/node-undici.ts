// node:http + undici rows: the hop and the mTLS pair, each end one pinned Node process.
import type { Scenario } from '../lib/scenario.ts';
import { nodePeerScenarios } from './node-peer.ts';

export const undiciScenarios: readonly Scenario[] = nodePeerScenarios(
  'node-undici',
  new URL('./node-undici-main.ts', import.meta.url),
);
