// Polls a condition until it holds, bounded in real time: for waiting on network effects (a watch
// event arriving), never for proving that a timeout happened (tests use ManualClock for that).
export const waitFor = async (cond: () => boolean, what: string, limitMs = 5000): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
