// Tests of what the native addon (proxy/capture/original-dst) does. CI builds it (`npm ci` runs
// node-gyp; .ci/run sets CI=true), so there it must have loaded and such tests fail if it did not;
// elsewhere, without it, they are skipped and say why, rather than passing without checking.
import { loadAddon } from '../../proxy/capture/original-dst/addon.ts';

const addon = loadAddon();
const inCi = process.env.CI === 'true';

/** Why tests that need the addon are skipped here; undefined when they run. */
export const addonSkipReason: string | undefined =
  addon.ok || inCi ? undefined : `native addon not loaded (${addon.error}); CI=true would fail instead`;

/** Throws unless the addon loaded: for tests that run because CI requires them to. */
export const expectAddonLoaded = (): void => {
  if (!addon.ok) throw new Error(`the native addon must load where CI builds it (CI=true): ${addon.error}`);
};

/**
 * Whether `what` (a check needing the addon) runs: yes where the addon loaded; in CI it must
 * have (throws otherwise); elsewhere no, with a message saying what is not checked and why.
 */
export const checksNeedingAddon = (what: string): boolean => {
  if (addonSkipReason === undefined) {
    expectAddonLoaded();
    return true;
  }
  console.warn(`[skipped] ${what}: ${addonSkipReason}`);
  return false;
};
