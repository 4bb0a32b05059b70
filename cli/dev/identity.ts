// Identity for `weft dev`: the CA directory and token key under .weft/dev/ (the control plane is
// started with them), and one local token per workload in .weft/dev/tokens/<workload>.token that
// its sidecar presents to the CA. Sidecar keys are never written: they live in the sidecars.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIssues } from '../../api/model/result.ts';
import { systemClock } from '../../api/runtime/clock.ts';
import { issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { readOrCreateTokenKey } from '../../control-plane/identity/token-key-file.ts';

export interface DevIdentity {
  readonly caDir: string;
  readonly tokenKeyFile: string;
  /** Writes the workload's token and returns its path (for `weft proxy --token-file`). */
  tokenFile(w: { name: string; namespace: string; serviceAccount: string }): Promise<string>;
}

export const prepareDevIdentity = async (runDir: string): Promise<DevIdentity> => {
  const tokenKeyFile = join(runDir, 'token.key');
  const tokens = join(runDir, 'tokens');
  await mkdir(tokens, { recursive: true });
  const key = await readOrCreateTokenKey(tokenKeyFile);
  if (!key.ok) throw new Error(formatIssues(key.error));
  return {
    caDir: join(runDir, 'ca'),
    tokenKeyFile,
    tokenFile: async (w) => {
      const path = join(tokens, `${w.name}.token`);
      const token = issueLocalToken({
        key: key.value,
        namespace: w.namespace,
        serviceAccount: w.serviceAccount,
        clock: systemClock,
      });
      await writeFile(path, `${token}\n`, { mode: 0o600 });
      return path;
    },
  };
};
