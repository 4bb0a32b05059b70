// `weft version`: the CLI's release, and in local mode the control plane's and every sidecar's,
// read from their admin /version endpoints (found through .weft/dev/state.json), so skew between
// components shows at a glance.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { componentVersion, type ComponentVersion } from '../../api/runtime/version.ts';
import { getAdminJson, sidecarAdmin } from '../mesh-view/admin-client.ts';
import { readDevState, sidecarsOf, statePath } from '../mesh-view/dev-state.ts';
import { renderTable } from '../mesh-view/table.ts';
import { outputOption, stateOption } from '../options.ts';

interface VersionFlags {
  client?: boolean;
  state?: string;
  output: 'table' | 'json';
}

export interface ComponentReport {
  readonly name: string;
  readonly component: ComponentVersion['component'];
  readonly address?: string;
  readonly version?: string;
  readonly node?: string;
  readonly snapshotVersion?: string | null;
  readonly error?: string;
}

export interface VersionReport {
  readonly client: ComponentVersion;
  readonly components: readonly ComponentReport[];
  /** Set when the mesh itself could not be found (no state file). */
  readonly error?: string;
}

type Remote = ComponentVersion & { snapshotVersion?: string | null };

const ask = async (
  name: string,
  component: ComponentReport['component'],
  address: string,
): Promise<ComponentReport> => {
  try {
    const v = await getAdminJson<Remote>(address, '/version');
    return { name, component, address, version: v.version, node: v.node, snapshotVersion: v.snapshotVersion };
  } catch (e) {
    return { name, component, address, error: (e as Error).message };
  }
};

export const collectVersions = async (stateFile: string): Promise<VersionReport> => {
  const client = componentVersion('cli');
  let state;
  try {
    state = await readDevState(stateFile);
  } catch (e) {
    return { client, components: [], error: (e as Error).message };
  }
  const components = await Promise.all([
    ask('control-plane', 'control-plane', state.controlPlane.adminAddress),
    ...sidecarsOf(state).map((w) => ask(w.name, 'proxy', sidecarAdmin(w.adminPort))),
  ]);
  return { client, components };
};

const render = (r: VersionReport): string => {
  const rows = [
    ['cli', 'cli', r.client.version, r.client.node, ''],
    ...r.components.map((c) => [
      c.name,
      c.component,
      c.version ?? '-',
      c.node ?? '-',
      c.error ?? (c.snapshotVersion ? `snapshot ${c.snapshotVersion}` : (c.address ?? '')),
    ]),
  ];
  const skewed = r.components.some((c) => c.version !== undefined && c.version !== r.client.version);
  return [
    renderTable(['NAME', 'COMPONENT', 'VERSION', 'NODE', 'DETAIL'], rows),
    ...(skewed ? ['‼ version skew: upgrade the components whose VERSION differs from the CLI'] : []),
  ].join('\n');
};

const run = async (f: VersionFlags): Promise<number> => {
  const report: VersionReport = f.client
    ? { client: componentVersion('cli'), components: [] }
    : await collectVersions(resolve(f.state ?? statePath(process.cwd())));
  if (f.output === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${render(report)}\n`);
  if (report.error) process.stderr.write(`weft version: ${report.error} (or pass --client)\n`);
  return report.error || report.components.some((c) => c.error) ? 1 : 0;
};

export const versionCommand = (): Command =>
  new Command('version')
    .description('versions of the CLI, the control plane and every sidecar of the local mesh')
    .addOption(new Option('--client', 'only the CLI, without asking the mesh'))
    .addOption(stateOption())
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  weft version                 CLI, control plane and sidecars of the running \`weft dev\`
  weft version --client        only the CLI
  weft version -o json         the same as JSON (client, components[].version/snapshotVersion/error)

Exit code 1 when the mesh or one of its components cannot be reached.`,
    )
    .action(async (f: VersionFlags) => {
      process.exitCode = await run(f);
    });
