// The first bytes of an opaque TCP tunnel between two sidecars: `weft-tcp/1 <port>\n`, naming the
// app port (the Service's targetPort) the inbound side connects to. Over mTLS the tunnel is
// announced by ALPN `weft-tcp`; in plaintext the inbound listener recognises the lower-case magic,
// which no HTTP request line or TLS record can start with.
/** ALPN protocol id of an opaque tunnel over mesh mTLS. */
export const TUNNEL_ALPN = 'weft-tcp';
export const TUNNEL_MAGIC = Buffer.from('weft-tcp/1 ', 'latin1');
/** Magic + five digits + newline: anything longer without a newline is not a preamble. */
const MAX_PREAMBLE = TUNNEL_MAGIC.length + 6;

export const preamble = (port: number): Buffer => Buffer.from(`${TUNNEL_MAGIC.toString('latin1')}${port}\n`);

export type Parsed =
  | { readonly state: 'done'; readonly port: number; readonly rest: Buffer }
  | { readonly state: 'incomplete' }
  | { readonly state: 'invalid'; readonly reason: string };

/** True while `buf` could still become the magic (or already starts with it). */
export const startsLikeTunnel = (buf: Buffer): boolean => {
  const n = Math.min(buf.length, TUNNEL_MAGIC.length);
  return n > 0 && buf.compare(TUNNEL_MAGIC, 0, n, 0, n) === 0;
};

export const parsePreamble = (buf: Buffer): Parsed => {
  if (!startsLikeTunnel(buf)) return { state: 'invalid', reason: 'not a weft-tcp/1 preamble' };
  const nl = buf.indexOf(0x0a);
  if (nl < 0)
    return buf.length >= MAX_PREAMBLE
      ? { state: 'invalid', reason: 'preamble too long' }
      : { state: 'incomplete' };
  const digits = buf.toString('latin1', TUNNEL_MAGIC.length, nl);
  const port = /^[0-9]{1,5}$/.test(digits) ? Number(digits) : NaN;
  if (!(port >= 1 && port <= 65_535)) return { state: 'invalid', reason: `bad port "${digits}"` };
  return { state: 'done', port, rest: buf.subarray(nl + 1) };
};
