// SO_SNDBUF through the addon, on real loopback sockets: a server writes to a client that never
// reads until the socket pushes back; how much the kernel took is what a slow reader can hold.
import { connect, createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addonSkipReason, expectAddonLoaded } from '../../test/helpers/native-addon.ts';
import { capSendBuffer } from './send-buffer.ts';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** Bytes the kernel accepted from a server writing 16 MiB to a client that never reads. */
const absorbedByKernel = async (cap: boolean): Promise<number> => {
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer(resolve);
    server.listen(0, '127.0.0.1', () => {
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      client.pause(); // never reads
      cleanup.push(() => (client.destroy(), server.close()));
    });
  });
  const socket = await accepted;
  cleanup.push(() => socket.destroy());
  if (cap) expect(capSendBuffer(socket, 64 * 1024)).toBe(true);
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  while (written < 16 << 20 && socket.write(chunk)) written += chunk.length;
  written += chunk.length;
  // Let the kernel take what it will; then what is still queued in Node was refused.
  await new Promise((r) => setTimeout(r, 300));
  return written - socket.writableLength;
};

describe.skipIf(addonSkipReason !== undefined)(
  `capSendBuffer${addonSkipReason ? ` (skipped: ${addonSkipReason})` : ''}`,
  () => {
    beforeAll(expectAddonLoaded);

    it('bounds what a peer that never reads holds in the kernel', async () => {
      const capped = await absorbedByKernel(true);
      const autotuned = await absorbedByKernel(false);
      console.log(`[send-buffer] kernel took ${capped} bytes capped at 64 KiB, ${autotuned} autotuned`);
      // 2 × 64 KiB of send buffer plus the client's unread receive buffer (128 KiB by default,
      // not grown without reads): well under 1 MiB, where autotuning lets megabytes in.
      expect(capped).toBeLessThan(1 << 20);
      expect(autotuned).toBeGreaterThan(2 * capped);
    });

    it('is refused (false) on a socket that has no file descriptor', () => {
      expect(capSendBuffer(new Socket())).toBe(false); // never connected: no handle yet
    });
  },
);
