// `weft canary status|promote|abort|pause|resume NAME`: reads or commands one Canary's rollout
// through the control plane's admin API (found through .weft/dev/state.json, or --admin).
import { resolve } from 'node:path';
import { Argument, Command, Option } from 'commander';
import type { CanaryStatus } from '../../control-plane/canary/canary-status.ts';
import { getAdminJson } from '../mesh-view/admin-client.ts';
import { readDevState, statePath } from '../mesh-view/dev-state.ts';
import { envOption } from '../options.ts';
import { renderCanary } from './render.ts';

const ACTIONS = ['status', 'promote', 'abort', 'pause', 'resume'] as const;
type Action = (typeof ACTIONS)[number];

interface CanaryFlags {
  namespace?: string;
  admin?: string;
  state?: string;
  output: 'text' | 'json';
}

const adminAddress = async (flags: CanaryFlags): Promise<string> =>
  flags.admin ??
  (await readDevState(resolve(flags.state ?? statePath(process.cwd())))).controlPlane.adminAddress;

/** `ns/name`, or a bare name matched in every namespace (it must be unique). */
const find = (all: readonly CanaryStatus[], name: string, namespace: string | undefined): CanaryStatus => {
  const wanted = name.includes('/') ? name : namespace ? `${namespace}/${name}` : undefined;
  const hits = all.filter((c) => (wanted ? c.name === wanted : c.name.split('/')[1] === name));
  if (hits.length === 1) return hits[0] as CanaryStatus;
  const known = all.map((c) => c.name).join(', ') || 'none';
  throw new Error(
    hits.length === 0
      ? `no Canary ${wanted ?? name} (known: ${known})`
      : `${name} is in several namespaces (${hits.map((c) => c.name).join(', ')}): give -n NAMESPACE`,
  );
};

const command = async (address: string, target: string, action: Action): Promise<CanaryStatus> => {
  const [ns, name] = target.split('/') as [string, string];
  const url = `http://${address}/canaries/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${action}`;
  const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as CanaryStatus & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${url} answered ${res.status}`);
  return body;
};

const run = async (action: Action, name: string, flags: CanaryFlags): Promise<number> => {
  try {
    const address = await adminAddress(flags);
    const status = await getAdminJson<{ canaries?: CanaryStatus[] }>(address, '/status');
    const found = find(status.canaries ?? [], name, flags.namespace);
    const result = action === 'status' ? found : await command(address, found.name, action);
    process.stdout.write(
      flags.output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderCanary(result),
    );
    return 0;
  } catch (e) {
    process.stderr.write(`weft canary ${action}: ${(e as Error).message}\n`);
    return 1;
  }
};

export const canaryCommand = (): Command =>
  new Command('canary')
    .description('show or command a Canary rollout: status, promote, abort, pause, resume')
    .addArgument(new Argument('<action>', 'what to do').choices(ACTIONS))
    .argument('<name>', 'the Canary: NAME or NAMESPACE/NAME')
    .addOption(new Option('-n, --namespace <ns>', 'namespace of NAME'))
    .addOption(envOption('--admin <host:port>', 'the control plane’s admin address (default: from weft dev)'))
    .addOption(envOption('--state <file>', 'state file of weft dev (default .weft/dev/state.json)'))
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(async (action: Action, name: string, flags: CanaryFlags) => {
      process.exitCode = await run(action, name, flags);
    });
