// Runs one of the app's original probes against the app over loopback, as kubelet would have:
// HTTP(S) GET passes on 200–399 (certificates not verified, like kubelet), TCP passes once
// connected, gRPC passes on SERVING. Each has its own deadline on the injected clock.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Clock } from '../../api/runtime/clock.ts';
import type { AppProbe } from './app-probes.ts';
import { grpcHealthCheck } from './grpc-health.ts';

export interface ProbeResult {
  readonly ok: boolean;
  /** One line for the probe response body and logs. */
  readonly detail: string;
}

export interface ProbeDeps {
  /** Where the app listens (127.0.0.1: loopback is never captured). */
  readonly host: string;
  readonly clock: Clock;
}

type Probe<K extends AppProbe['kind']> = Extract<AppProbe, { kind: K }>;

const httpGet = (p: Probe<'httpGet'>, host: string, signal: AbortSignal): Promise<ProbeResult> =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/weft', accept: '*/*' };
    for (const [name, value] of p.headers) headers[name.toLowerCase()] = value;
    const options = { host, port: p.port, path: p.path, method: 'GET', headers, signal, agent: false };
    const req = p.https ? httpsRequest({ ...options, rejectUnauthorized: false }) : httpRequest(options);
    req.once('response', (res) => {
      res.resume(); // the body does not matter, only that it is consumed
      const status = res.statusCode ?? 0;
      resolve({ ok: status >= 200 && status < 400, detail: `HTTP ${status}` });
    });
    req.once('error', reject);
    req.end();
  });

const tcpSocket = (p: Probe<'tcpSocket'>, host: string, signal: AbortSignal): Promise<ProbeResult> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host, port: p.port, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, detail: `connected to port ${p.port}` });
    });
    socket.once('error', reject);
  });

const attempt = (p: AppProbe, host: string, signal: AbortSignal): Promise<ProbeResult> => {
  if (p.kind === 'httpGet') return httpGet(p, host, signal);
  if (p.kind === 'tcpSocket') return tcpSocket(p, host, signal);
  return grpcHealthCheck(host, p.port, p.service, signal);
};

export const runProbe = (p: AppProbe, deps: ProbeDeps): Promise<ProbeResult> => {
  const abort = new AbortController();
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const deadline = new Promise<ProbeResult>((resolve) => {
    timer = deps.clock.setTimeout(() => {
      abort.abort();
      resolve({ ok: false, detail: `no answer within ${p.timeoutMs} ms` });
    }, p.timeoutMs);
  });
  const outcome = attempt(p, deps.host, abort.signal).catch((err: unknown): ProbeResult => ({
    ok: false,
    detail: (err as { code?: string }).code ?? (err as Error).message,
  }));
  return Promise.race([outcome, deadline]).finally(() => {
    if (timer !== undefined) deps.clock.clearTimeout(timer);
    abort.abort();
  });
};
