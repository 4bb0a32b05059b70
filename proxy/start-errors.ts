// Why a sidecar did not start. The two kinds are told apart because `weft proxy` exits 2 for
// what the caller gave (flags, files) and 1 for what the running system refused (a port in use).

/** The flags or files given cannot work; fixing them is the way out. */
export class SidecarConfigError extends Error {
  override readonly name = 'SidecarConfigError';
}

export type ListenerName = 'outbound' | 'inbound' | 'admin' | 'metrics' | 'probe';

const reason = (cause: unknown): string => {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return 'the port is already in use';
  if (code === 'EADDRNOTAVAIL') return 'the address is not on this machine';
  if (code === 'EACCES') return 'permission denied';
  return cause instanceof Error ? cause.message : String(cause);
};

/** One of the sidecar's listeners could not bind: which one and where, so the caller can name its flag. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly listener: ListenerName;
  readonly host: string;
  readonly port: number;
  constructor(listener: ListenerName, host: string, port: number, cause: unknown) {
    super(`the ${listener} listener cannot listen on ${host}:${port}: ${reason(cause)}`, { cause });
    this.listener = listener;
    this.host = host;
    this.port = port;
  }
}
