// Bench launcher for one weft sidecar: the same runtime `weft proxy --config` runs (startProxy +
// the static snapshot source), plus TLS material read from PEM files, which the CLI has no flags
// for yet. `node bench/peers/weft-sidecar-main.ts '<SidecarArgs JSON>' <portFile>`.
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { pino, type Logger } from 'pino';
import { writePortFile } from '../../api/runtime/port-file.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';

export interface SidecarArgs {
  readonly snapshotFile: string;
  readonly appPort?: number;
  readonly tls?: {
    readonly cert: string;
    readonly key: string;
    readonly ca: string;
    readonly identity: string;
  };
  readonly inboundMode?: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
}

// The shapes this launcher relies on, declared here so the bench type-checks even on a tree where
// the sidecar is half-written; the modules are loaded by path at run time.
interface Source {
  ready(): Promise<ProxySnapshot>;
  close(): Promise<void>;
}
interface Ports {
  outbound: number;
  inbound: number;
  admin: number;
  metrics: number;
}
interface RuntimeModule {
  startProxy(o: {
    source: Source;
    ports: Ports;
    appHost: string;
    appPort: number;
    tls?: { secureContext(): SecureContext; identity(): string };
    inboundMode?: string;
    inboundHost?: string;
    metricsHost?: string;
    logger?: Logger;
  }): Promise<{ ports: Ports; close(): Promise<void> }>;
}
interface StaticSourceModule {
  fromFile(path: string): Promise<Source>;
}

const load = <T>(rel: string): Promise<T> => import(new URL(rel, import.meta.url).href) as Promise<T>;

const [json, portFile] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as SidecarArgs;
const { startProxy } = await load<RuntimeModule>('../../proxy/runtime.ts');
const { fromFile } = await load<StaticSourceModule>('../../proxy/discovery/static-source.ts');

const tlsArgs = args.tls;
const tls = tlsArgs && {
  context: createSecureContext({
    cert: readFileSync(tlsArgs.cert),
    key: readFileSync(tlsArgs.key),
    ca: readFileSync(tlsArgs.ca),
    minVersion: 'TLSv1.3',
  }),
  secureContext(): SecureContext {
    return this.context;
  },
  identity: () => tlsArgs.identity,
};
const source = await fromFile(args.snapshotFile);
const proxy = await startProxy({
  source,
  ports: { outbound: 0, inbound: 0, admin: 0, metrics: 0 },
  appHost: '127.0.0.1',
  appPort: args.appPort ?? 0,
  // the bench keeps every listener on loopback
  inboundHost: '127.0.0.1',
  metricsHost: '127.0.0.1',
  ...(tls ? { tls, inboundMode: args.inboundMode ?? 'STRICT' } : {}),
  // warn: per-request debug logs would measure pino, not the proxy
  logger: pino({ level: 'warn' }),
});
await source.ready();
await writePortFile(portFile as string, { ...proxy.ports, pid: process.pid });
process.once('SIGTERM', () => {
  void proxy
    .close()
    .then(() => source.close())
    .finally(() => process.exit(0));
});
