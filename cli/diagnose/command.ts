// `weft diagnose config|endpoints|certs|policy WORKLOAD`: what one sidecar of the local mesh is
// running, from its admin port (127.0.0.1): snapshot and ACK state with routes per service,
// endpoints with balancer and ejection state, its certificate chain (never the key), and the
// policies in force with their live state.
import { resolve } from 'node:path';
import { Argument, Command } from 'commander';
import type { CertReport } from '../../proxy/admin/cert-report.ts';
import { getAdminJson } from '../mesh-view/admin-client.ts';
import { statePath } from '../mesh-view/dev-state.ts';
import { outputOption, stateOption } from '../options.ts';
import {
  fetchConfig,
  findWorkload,
  PAGES,
  type Aspect,
  type EndpointsPage,
  type PoliciesPage,
  type Target,
} from './fetch.ts';
import { renderCerts, renderConfig, renderEndpoints, renderPolicies } from './render.ts';

interface DiagnoseFlags {
  state?: string;
  output: 'table' | 'json';
}

const show = async (aspect: Aspect, t: Target): Promise<{ json: unknown; table: string }> => {
  switch (aspect) {
    case 'config': {
      const c = await fetchConfig(t);
      return { json: c, table: renderConfig(t.workload, c) };
    }
    case 'endpoints': {
      const p = await getAdminJson<EndpointsPage>(t.admin, PAGES.endpoints);
      return { json: p, table: renderEndpoints(p) };
    }
    case 'certs': {
      const r = await getAdminJson<CertReport>(t.admin, PAGES.certs);
      return { json: r, table: renderCerts(r) };
    }
    case 'policy': {
      const p = await getAdminJson<PoliciesPage>(t.admin, PAGES.policy);
      return { json: p, table: renderPolicies(p) };
    }
  }
};

const run = async (aspect: Aspect, workload: string, f: DiagnoseFlags): Promise<number> => {
  try {
    const target = await findWorkload(resolve(f.state ?? statePath(process.cwd())), workload);
    const out = await show(aspect, target);
    process.stdout.write(
      f.output === 'json'
        ? `${JSON.stringify({ workload, [aspect]: out.json }, null, 2)}\n`
        : `${out.table}\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`weft diagnose: ${(e as Error).message}\n`);
    return 1;
  }
};

export const diagnoseCommand = (): Command =>
  new Command('diagnose')
    .description('what one sidecar runs: snapshot and routes, endpoints, certificates, policies')
    .addArgument(new Argument('<aspect>', 'what to show').choices(Object.keys(PAGES)))
    .argument('<workload>', 'workload name as `weft dev` runs it (frontend, catalog-v1, …)')
    .addOption(stateOption())
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  weft diagnose config frontend        snapshot version, ACK state, routes per service
  weft diagnose endpoints frontend     endpoints per service with EWMA latency, outstanding, ejection
  weft diagnose certs catalog-v1       certificate chain and roots with SPIFFE IDs and expiry (never the key)
  weft diagnose policy frontend -o json  policies in force with circuit-breaker use, outliers and faults

Exit code 1 when the mesh, the workload or its sidecar cannot be reached.`,
    )
    .action(async (aspect: Aspect, workload: string, f: DiagnoseFlags) => {
      process.exitCode = await run(aspect, workload, f);
    });
