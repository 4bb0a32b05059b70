// A unit taken from a counted limit (a breaker's requests, retries, connections) comes with the
// one function that gives it back, instead of a bare release() on the counter.

/**
 * Gives back the one unit it was handed out with. Calling it again does nothing, so a holder that
 * releases on two paths (error and body end) cannot free a unit another holder still uses.
 */
export type Lease = () => void;

/** A lease for one unit: the first call runs `giveBack`, later calls do nothing. */
export const leaseOf = (giveBack: () => void): Lease => {
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    giveBack();
  };
};
