// The bytes of the bench's unary gRPC call: length-prefixed messages (1 flag byte, 4-byte
// big-endian length, protobuf payload) holding one `bytes` field (field 1), so the reply carries
// a 1 KiB message like the HTTP/1.1 rows' 1 KiB body.

/** Protobuf varint encoding of a non-negative integer. */
export const varint = (n: number): Buffer => {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
};

/** One uncompressed gRPC message whose protobuf payload is exactly `payloadBytes` long. */
export const grpcMessage = (payloadBytes: number): Buffer => {
  // payload = tag 0x0a (field 1, length-delimited) + varint(len) + len bytes; find len
  let len = payloadBytes - 2;
  while (1 + varint(len).length + len > payloadBytes) len--;
  const payload = Buffer.concat([Buffer.from([0x0a]), varint(len), Buffer.alloc(len, 0x78)]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
};

/** What the generator sends: a small request message. */
export const GRPC_REQUEST = grpcMessage(16);
/** What the app answers: a 1 KiB message (1029 bytes framed). */
export const GRPC_REPLY = grpcMessage(1024);
