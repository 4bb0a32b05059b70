// ReadShare against a recording stand-in for the socket: when it pauses, when it resumes, and
// that it never resumes a socket its connection keeps paused for backpressure.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { READ_SHARE_BYTES, ReadShare } from './read-share.ts';

const recordingSocket = () => {
  const calls: string[] = [];
  const socket = {
    destroyed: false,
    pause: () => void calls.push('pause'),
    resume: () => void calls.push('resume'),
  };
  return { calls, socket: socket as unknown as Socket & { destroyed: boolean } };
};
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('ReadShare', () => {
  it('lets a connection read its share, then pauses it until the next turn of the loop', async () => {
    const { calls, socket } = recordingSocket();
    const share = new ReadShare(socket, () => true);
    share.spend(READ_SHARE_BYTES - 1);
    expect(calls).toEqual([]);
    share.spend(1);
    share.spend(64 * 1024); // still in this turn: already yielding, no second pause
    expect(calls).toEqual(['pause']);
    await nextTurn();
    expect(calls).toEqual(['pause', 'resume']);
    share.spend(READ_SHARE_BYTES); // a fresh share after the yield
    expect(calls).toEqual(['pause', 'resume', 'pause']);
  });

  it('does not resume a socket paused for backpressure meanwhile, nor a destroyed one', async () => {
    const { calls, socket } = recordingSocket();
    let bodyPaused = false;
    const share = new ReadShare(socket, () => !bodyPaused);
    share.spend(READ_SHARE_BYTES);
    bodyPaused = true;
    await nextTurn();
    expect(calls).toEqual(['pause']);
    bodyPaused = false;
    share.spend(READ_SHARE_BYTES);
    socket.destroyed = true;
    await nextTurn();
    expect(calls).toEqual(['pause', 'pause']);
  });
});
