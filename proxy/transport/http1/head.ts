// Message heads for weft's HTTP/1.1 transport: llhttp's raw header lines become the layers'
// HeaderMap (end-to-end headers only, names lower-cased once), and outgoing heads are written as
// one string. Framing (Content-Length, chunked, close) is decided by the writer, never copied.
import { STATUS_CODES } from 'node:http';
import type { HeaderMap } from '../../stack/types.ts';
import { HOP_BY_HOP as HOP_BY_HOP_HEADERS } from '../headers.ts';
import type { RawHeaders } from './llhttp.ts';

/** The shared hop-by-hop list, plus TE: on HTTP/1.1 only `TE: trailers` crosses, rebuilt by the writer. */
const HOP_BY_HOP = new Set([...HOP_BY_HOP_HEADERS, 'te']);

export interface ParsedHead {
  readonly headers: HeaderMap;
  /** Host header value ('' when absent). */
  readonly host: string;
  /** Transfer-Encoding was present (llhttp has already refused it next to Content-Length). */
  readonly chunked: boolean;
  readonly contentLength: number | undefined;
  /** `Expect: 100-continue` (answered by the sidecar; not forwarded). */
  readonly expectContinue: boolean;
  /** `TE: trailers` was sent (gRPC-style); the only TE value that crosses a hop. */
  readonly teTrailers: boolean;
  /** The Upgrade header's value (protocol to switch to), when there is one. */
  readonly upgrade: string | undefined;
}

const tokens = (value: string): string[] => value.split(',').map((t) => t.trim().toLowerCase());

const add = (headers: HeaderMap, name: string, value: string): void => {
  const prev = headers[name];
  if (prev === undefined) headers[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else headers[name] = [prev, value];
};

interface HeadState {
  host: string;
  upgrade: string | undefined;
  chunked: boolean;
  teTrailers: boolean;
  named: string[] | undefined;
}

/** Hop-by-hop headers are not forwarded, but some say how to read or route the message. */
const readHopByHop = (st: HeadState, name: string, value: string): void => {
  if (name === 'host') st.host = value;
  else if (name === 'transfer-encoding') st.chunked = true;
  else if (name === 'te') st.teTrailers ||= tokens(value).includes('trailers');
  else if (name === 'upgrade') st.upgrade = value;
  else if (name === 'connection') (st.named ??= []).push(...tokens(value));
};

export const parseHead = (raw: RawHeaders): ParsedHead => {
  const headers: HeaderMap = {};
  const st: HeadState = { host: '', upgrade: undefined, chunked: false, teTrailers: false, named: undefined };
  let contentLength: number | undefined;
  let expectContinue = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    if (HOP_BY_HOP.has(name)) readHopByHop(st, name, value);
    else if (name === 'expect' && value.toLowerCase() === '100-continue') expectContinue = true;
    else {
      if (name === 'content-length') contentLength = Number(value);
      add(headers, name, value);
    }
  }
  // Headers the Connection header names are hop-by-hop too (RFC 9110 §7.6.1).
  if (st.named) for (const n of st.named) if (n !== 'close' && n !== 'keep-alive') delete headers[n];
  if (st.teTrailers) headers.te = 'trailers';
  const { host, chunked, teTrailers, upgrade } = st;
  return { headers, host, chunked, contentLength, expectContinue, teTrailers, upgrade };
};

// CR, LF and NUL would let a header value start a new header line (response splitting).
const UNSAFE_VALUE = /[\r\n\0]/;

const headerLines = (headers: HeaderMap, skip?: string): string => {
  let out = '';
  for (const name in headers) {
    if (name === skip || HOP_BY_HOP.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      if (!UNSAFE_VALUE.test(value)) out += `${name}: ${value}\r\n`;
    } else for (const v of value) if (!UNSAFE_VALUE.test(v)) out += `${name}: ${v}\r\n`;
  }
  return out;
};

/** How a body is delimited on the wire. `none`: no body; `length`: Content-Length is in headers. */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

const framingLine = (framing: Framing): string =>
  framing === 'chunked' ? 'transfer-encoding: chunked\r\n' : '';

/** The two hop-by-hop lines an Upgrade request or its 101 answer must carry on every hop. */
const upgradeLines = (upgrade: string | undefined): string =>
  upgrade === undefined || UNSAFE_VALUE.test(upgrade) ? '' : `connection: upgrade\r\nupgrade: ${upgrade}\r\n`;

export const requestHead = (
  method: string,
  path: string,
  authority: string,
  headers: HeaderMap,
  framing: Framing,
  upgrade?: string,
): string =>
  `${method} ${path} HTTP/1.1\r\nhost: ${authority}\r\n` +
  headerLines(headers) +
  (headers.te === 'trailers' ? 'te: trailers\r\n' : '') +
  framingLine(framing) +
  upgradeLines(upgrade) +
  '\r\n';

export const responseHead = (
  status: number,
  headers: HeaderMap,
  framing: Framing,
  connection: 'close' | 'keep-alive' | undefined,
  upgrade?: string,
): string =>
  `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n` +
  headerLines(headers) +
  framingLine(framing) +
  (connection ? `connection: ${connection}\r\n` : '') +
  upgradeLines(upgrade) +
  '\r\n';
