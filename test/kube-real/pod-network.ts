// Pods for the real cluster's traffic tests: each a network namespace joined to the host by a veth
// pair, with an address of its own that is not loopback (EndpointSlices refuse loopback) from a
// private /30 used only by that pair: the host end is .1 of it, the pod .2, and the pod's default
// route is the host end. Nothing is forwarded by the host: a sidecar in the host namespace reaches
// a pod on the connected /30, and a pod reaches the control plane on a host-end address (the host
// accepts its own addresses on any interface). Names and the /24 carry the test process id, so
// concurrent runs do not collide; destroy() removes the namespaces, and the veth pairs with them.
import { inNs, sh } from '../capture/netns.ts';

export interface NetnsPod {
  readonly name: string;
  readonly ns: string;
  /** The pod's address, as its kubelet would report it in status.podIP. */
  readonly ip: string;
  /** The host end of its veth pair. */
  readonly hostIp: string;
}

export interface PodNetwork {
  readonly pods: readonly NetnsPod[];
  destroy(): void;
}

/** 10.217.<octet>.0/24, carved into one /30 per pod. */
export const makePodNetwork = (names: readonly string[]): PodNetwork => {
  const tag = String(process.pid % 100_000);
  const octet = 100 + (process.pid % 150);
  const made: string[] = [];
  const destroy = (): void => {
    for (const ns of made.splice(0).reverse()) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  };
  const pods: NetnsPod[] = [];
  try {
    names.forEach((name, i) => {
      const ns = `weft-kr-${name}-${tag}`;
      const [hostEnd, podEnd] = [`wh${tag}x${i}`, `wp${tag}x${i}`];
      const [hostIp, ip] = [`10.217.${octet}.${4 * i + 1}`, `10.217.${octet}.${4 * i + 2}`];
      sh(['ip', 'netns', 'add', ns]);
      made.push(ns);
      sh(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', podEnd, 'netns', ns]);
      sh(['ip', 'addr', 'add', `${hostIp}/30`, 'dev', hostEnd]);
      sh(['ip', 'link', 'set', hostEnd, 'up']);
      sh(inNs(ns, ['ip', 'link', 'set', 'lo', 'up']));
      sh(inNs(ns, ['ip', 'addr', 'add', `${ip}/30`, 'dev', podEnd]));
      sh(inNs(ns, ['ip', 'link', 'set', podEnd, 'up']));
      sh(inNs(ns, ['ip', 'route', 'add', 'default', 'via', hostIp]));
      pods.push({ name, ns, ip, hostIp });
    });
  } catch (e) {
    destroy();
    throw e;
  }
  return { pods, destroy };
};
