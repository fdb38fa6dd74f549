/**
 * A minimal WebSocket echo for the test origin (RFC 6455 handshake and unfragmented frames up to
 * 64 KiB, enough for tests): each text or binary message comes back as `echo:<text>`, except
 * `whoami`, answered with the origin's name, so a test can tell which origin it reached (workerd
 * shows no headers of a 101), and `headers`, answered with the upgrade request's headers as JSON. Close frames and pings are answered.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Handles an HTTP `upgrade` event: accepts `Upgrade: websocket` on /ws, refuses anything else.
 * @example server.on('upgrade', (req, socket) => websocketEcho(req, socket, 'primary'));
 */
export function websocketEcho(req: IncomingMessage, socket: Duplex, name: string): void {
  const key = req.headers['sec-websocket-key'];
  if (
    req.headers.upgrade?.toLowerCase() !== 'websocket' ||
    typeof key !== 'string' ||
    !req.url?.startsWith('/ws')
  ) {
    socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    return;
  }
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\nX-Origin-Name: ${name}\r\n\r\n`,
  );
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (let frame = readFrame(buffered); frame; frame = readFrame(buffered)) {
      buffered = buffered.subarray(frame.size);
      if (frame.opcode === 0x8) {
        socket.end(encodeFrame(0x8, frame.payload));
        return;
      }
      if (frame.opcode === 0x9) socket.write(encodeFrame(0xa, frame.payload));
      if (frame.opcode === 0x1 || frame.opcode === 0x2) {
        const text = frame.payload.toString('utf8');
        const reply =
          text === 'whoami' ? name : text === 'headers' ? JSON.stringify(req.headers) : `echo:${text}`;
        socket.write(encodeFrame(0x1, Buffer.from(reply)));
      }
    }
  });
  socket.on('error', () => socket.destroy());
}

/** One complete frame at the start of `data`, unmasked, or undefined when more bytes are needed. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = (data[0] as number) & 0x0f;
  const masked = ((data[1] as number) & 0x80) !== 0;
  let length = (data[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    throw new Error('frames over 64 KiB are not supported by the test echo');
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) {
    for (let i = 0; i < payload.length; i++) {
      payload[i] = (payload[i] as number) ^ (data[maskOffset + (i % 4)] as number);
    }
  }
  return { opcode, payload, size: offset + length };
}

/** A server frame (never masked), final, with `opcode`. */
function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}
