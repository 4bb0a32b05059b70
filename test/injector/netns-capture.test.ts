// The capture rules in a real kernel: two network namespaces joined by a veth pair, `weft init`
// applying its rules in the "pod" one, and plain TCP servers standing in for the sidecar's
// listeners and for a peer. Checks that outbound TCP is redirected to 15001 except for UID 1337,
// loopback and excluded ports, and that inbound TCP is redirected to 15006 except excluded ports.
// Needs root, `ip` and `iptables-restore`; skipped with the reason otherwise.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const agent = path.join(import.meta.dirname, 'netns-agent.ts');
const suffix = `${process.pid % 100_000}`;
const POD = `weft-pod-${suffix}`;
const PEER = `weft-peer-${suffix}`;
const POD_IP = '10.213.0.2';
const PEER_IP = '10.213.0.1';

const sh = (args: string[], input?: string): string =>
  execFileSync(args[0] as string, args.slice(1), { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
const inNs = (ns: string, args: string[]): string[] => ['ip', 'netns', 'exec', ns, ...args];

const skipReason = ((): string => {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    sh(['iptables-restore', '--version']);
  } catch {
    return 'iptables-restore not installed';
  }
  try {
    sh(['ip', 'netns', 'add', `weft-probe-${suffix}`]);
    sh(['ip', 'netns', 'del', `weft-probe-${suffix}`]);
  } catch (e) {
    return `cannot create network namespaces (${(e as Error).message.split('\n')[0]})`;
  }
  return '';
})();

const children: ChildProcess[] = [];

const serve = async (ns: string, port: number, reply: string): Promise<void> => {
  const child = spawn('ip', inNs(ns, [process.execPath, agent, 'serve', String(port), reply]).slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server ${ns}:${port} exited (${code})`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', () => resolve());
  });
};

const connect = (ns: string, host: string, port: number, uid?: number): string =>
  sh(
    inNs(ns, [
      process.execPath,
      agent,
      'connect',
      host,
      String(port),
      ...(uid === undefined ? [] : [String(uid)]),
    ]),
  );

describe.skipIf(skipReason !== '')(
  `capture rules in network namespaces${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`,
  () => {
    beforeAll(async () => {
      sh(['ip', 'netns', 'add', POD]);
      sh(['ip', 'netns', 'add', PEER]);
      sh([
        'ip',
        'link',
        'add',
        `wp${suffix}`,
        'netns',
        POD,
        'type',
        'veth',
        'peer',
        'name',
        `wq${suffix}`,
        'netns',
        PEER,
      ]);
      for (const [ns, dev, ip] of [
        [POD, `wp${suffix}`, POD_IP],
        [PEER, `wq${suffix}`, PEER_IP],
      ] as const) {
        sh(inNs(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', dev]));
        sh(inNs(ns, ['ip', 'link', 'set', dev, 'up']));
        sh(inNs(ns, ['ip', 'link', 'set', 'lo', 'up']));
      }
      // The real `weft init`, with what the injector passes plus one excluded outbound port.
      sh(
        inNs(POD, [
          process.execPath,
          path.join(repoRoot, 'cli/main.ts'),
          'init',
          '--exclude-inbound-ports',
          '15090,15021',
          '--exclude-outbound-ports',
          '81',
        ]),
      );
      await Promise.all([
        serve(POD, 15001, 'sidecar-outbound'),
        serve(POD, 15006, 'sidecar-inbound'),
        serve(POD, 15021, 'sidecar-probe'),
        serve(POD, 8080, 'app'),
        serve(PEER, 80, 'peer-80'),
        serve(PEER, 81, 'peer-81'),
      ]);
    }, 30_000);

    afterAll(() => {
      for (const c of children) c.kill('SIGKILL');
      for (const ns of [POD, PEER]) {
        try {
          sh(['ip', 'netns', 'del', ns]); // also removes the veth pair
        } catch {
          // already gone
        }
      }
    });

    it('installed the WEFT_* chains', () => {
      const rules = sh(inNs(POD, ['iptables', '-t', 'nat', '-S']));
      for (const chain of ['WEFT_INBOUND', 'WEFT_IN_REDIRECT', 'WEFT_OUTPUT', 'WEFT_REDIRECT'])
        expect(rules).toContain(`-N ${chain}`);
    });

    it("redirects the app's outbound TCP to the sidecar's outbound port", () => {
      expect(connect(POD, PEER_IP, 80)).toBe('sidecar-outbound');
    });

    it("lets the sidecar's own connections (UID 1337) out directly", () => {
      expect(connect(POD, PEER_IP, 80, 1337)).toBe('peer-80');
    });

    it('lets excluded outbound ports out directly', () => {
      expect(connect(POD, PEER_IP, 81)).toBe('peer-81');
    });

    it('does not capture loopback: localhost and the pod IP reach the app', () => {
      expect(connect(POD, '127.0.0.1', 8080)).toBe('app');
      expect(connect(POD, POD_IP, 8080)).toBe('app');
    });

    it("redirects inbound TCP to the sidecar's inbound port", () => {
      expect(connect(PEER, POD_IP, 8080)).toBe('sidecar-inbound');
    });

    it('lets the probe port through to the sidecar directly', () => {
      expect(connect(PEER, POD_IP, 15021)).toBe('sidecar-probe');
    });
  },
);
