// Bench launcher for one weft sidecar: the same runtime `weft proxy --config` runs (startProxy +
// the static snapshot source), plus TLS material read from PEM files, which the CLI has no flags
// for yet. `node bench/peers/weft-sidecar-main.ts '<SidecarArgs JSON>' <portFile>`.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { pino } from 'pino';
import { writePortFile } from '../../cli/port-file.ts';
import { fromFile } from '../../proxy/discovery/static-source.ts';
import { startProxy } from '../../proxy/runtime.ts';
import type { TlsMaterial } from '../../proxy/transport/tls-material.ts';

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
  /** false: request metrics off (the row that measures what metrics cost). */
  readonly requestMetrics?: boolean;
}

const [json, portFile] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as SidecarArgs;

/** Fixed material from PEM files: the bench runs far shorter than any certificate lifetime. */
const fileMaterial = (t: NonNullable<SidecarArgs['tls']>): TlsMaterial => {
  const credentials = { cert: readFileSync(t.cert), key: readFileSync(t.key), ca: readFileSync(t.ca) };
  const context = createSecureContext({ ...credentials, minVersion: 'TLSv1.3' });
  return { secureContext: () => context, credentials: () => credentials, identity: () => t.identity };
};

const tls = args.tls && fileMaterial(args.tls);
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
  ...(args.requestMetrics === false ? { requestMetrics: false } : {}),
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
