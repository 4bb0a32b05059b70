// Children of `weft dev` exit when their parent disappears (even after SIGKILL of the parent),
// so a crashed demo never leaves orphan processes listening on loopback.
export const exitWithParent = (onOrphaned: () => void, intervalMs = 500): void => {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  timer.unref();
};
