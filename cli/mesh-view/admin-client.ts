// GETs JSON from an admin port of the local mesh (sidecar 127.0.0.1:<adminPort>, control plane
// <adminAddress>), failing with a message that names what was asked and why it failed.
export const ADMIN_TIMEOUT_MS = 2000;

export class AdminUnreachable extends Error {
  readonly code = 'ADMIN_UNREACHABLE';
}

export const getAdminJson = async <T>(address: string, path: string): Promise<T> => {
  const url = `http://${address}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new AdminUnreachable(`${url} not reachable (${cause}): is \`weft dev\` still running?`);
  }
  if (!res.ok) throw new AdminUnreachable(`${url} answered ${res.status}: ${(await res.text()).trim()}`);
  return (await res.json()) as T;
};

export const sidecarAdmin = (adminPort: number): string => `127.0.0.1:${adminPort}`;
