// The node-tls-tunnel rows: Node's floor (bytes piped, no HTTP work), as a hop and as an mTLS
// pair, each end one pinned Node process with Node's default V8 settings.
import type { Scenario } from '../lib/scenario.ts';
import { nodePeerScenarios } from './node-peer.ts';

export const tunnelScenarios: readonly Scenario[] = nodePeerScenarios(
  'node-tls-tunnel',
  new URL('./node-tls-tunnel-main.ts', import.meta.url),
);
