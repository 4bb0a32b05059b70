// The admin listener's POST /canaries/NAMESPACE/NAME/COMMAND: promote, abort, pause or resume a
// rollout (what `weft canary` sends). Answers the Canary's status, or why the command was refused.
import type { CanaryController } from './controller.ts';
import type { RolloutCommand } from './rollout.ts';

const COMMANDS: readonly RolloutCommand[] = ['promote', 'abort', 'pause', 'resume'];
const ROUTE = /^\/canaries\/([^/]+)\/([^/]+)\/([^/]+)$/;

export const canaryCommandRoute = (
  canaries: CanaryController,
  path: string,
): { status: number; body: unknown } | undefined => {
  const m = ROUTE.exec(path);
  if (!m) return undefined;
  const [, namespace, name, cmd] = m.map((x) => decodeURIComponent(x)) as [string, string, string, string];
  if (!COMMANDS.includes(cmd as RolloutCommand))
    return { status: 404, body: { error: `unknown command ${cmd}: use one of ${COMMANDS.join(', ')}` } };
  const r = canaries.command(`${namespace}/${name}`, cmd as RolloutCommand);
  return r.ok ? { status: 200, body: r.status } : { status: 404, body: { error: r.message } };
};
