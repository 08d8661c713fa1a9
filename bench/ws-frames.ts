// A minimal WebSocket client over a net socket, for benches that hold thousands of
// sockets and must cost little per frame (bench/fanout-client.ts): the RFC 6455 upgrade
// (Sec-WebSocket-Accept checked), masked text frames out, and frames in read from the
// header only: a text message is handed over as a view of the bytes read, unparsed.
// Pings are answered with pongs; a close frame is answered and ends the socket.
// No extensions (no compression is offered), no fragmented messages from the server
// (reported as an error: a server sending them is not what the bench measures).
//
//   const ws = connectWebSocket('ws://127.0.0.1:4000/graphql', 'graphql-transport-ws', {
//     open: (ws) => ws.sendText('…'),
//     text: (ws, message, at) => …,   // at: when the chunk holding it was read
//     error: (err) => …, close: (code, reason) => …,
//   });
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawWebSocket {
  sendText(text: string): void;
  /** Stops reading the socket (the server's writes then back up). */
  pause(): void;
  destroy(): void;
}

export interface RawWebSocketHandlers {
  open(ws: RawWebSocket): void;
  text(ws: RawWebSocket, message: Buffer, at: number): void;
  error(err: Error): void;
  close(code: number, reason: string): void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const now = () => performance.timeOrigin + performance.now();

/** A masked, final client frame (RFC 6455 §5.2–5.3). */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < n; i++) frame[header + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

export function connectWebSocket(url: string, protocol: string, on: RawWebSocketHandlers): RawWebSocket {
  const { hostname, port, pathname, search } = new URL(url);
  const socket: Socket = connect({ host: hostname, port: Number(port || 80), noDelay: true });
  const key = randomBytes(16).toString('base64');
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  let upgraded = false;
  let closed = false;
  let pending: Buffer | null = null;

  const ws: RawWebSocket = {
    sendText: (text) => void socket.write(clientFrame(0x1, Buffer.from(text))),
    pause: () => void socket.pause(),
    destroy: () => socket.destroy(),
  };
  const fail = (message: string) => {
    if (closed) return;
    closed = true;
    on.error(new Error(message));
    socket.destroy();
  };

  socket.on('connect', () =>
    socket.write(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    ),
  );

  function handshake(buf: Buffer): Buffer | null {
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) return buf.length > 16_384 ? (fail('upgrade response too long'), null) : buf;
    const head = buf.subarray(0, end).toString('latin1');
    const status = head.slice(0, head.indexOf('\r\n'));
    if (!/^HTTP\/1\.1 101 /.test(status)) return (fail(`upgrade refused: ${status}`), null);
    const header = (name: string) => head.match(new RegExp(`\r\n${name}:\\s*([^\r]*)`, 'i'))?.[1]?.trim();
    if (header('sec-websocket-accept') !== accept) return (fail('bad Sec-WebSocket-Accept'), null);
    if (header('sec-websocket-protocol') !== protocol) return (fail(`subprotocol ${protocol} not accepted`), null);
    upgraded = true;
    on.open(ws);
    return buf.subarray(end + 4);
  }

  socket.on('data', (chunk: Buffer) => {
    const at = now();
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    if (!upgraded) {
      const rest = handshake(buf);
      if (rest === null || !upgraded) {
        pending = rest;
        return;
      }
      buf = rest;
    }
    while (buf.length >= 2) {
      const b0 = buf[0]!;
      const b1 = buf[1]!;
      if (b1 & 0x80) return fail('masked frame from the server');
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) break;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      const opcode = b0 & 0x0f;
      if (!(b0 & 0x80) || opcode === 0x0) return fail('fragmented message from the server');
      if (opcode === 0x1) on.text(ws, payload, at);
      else if (opcode === 0x9) socket.write(clientFrame(0xa, payload));
      else if (opcode === 0x8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!closed) {
          closed = true;
          socket.end(clientFrame(0x8, payload.subarray(0, 2)));
          on.close(code, payload.subarray(2).toString());
        }
        return;
      } else if (opcode !== 0xa) return fail(`unexpected opcode ${opcode}`);
    }
    if (buf.length) pending = Buffer.from(buf); // a partial frame: copied, the chunk is let go
  });
  socket.on('error', (err) => fail(err.message));
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    on.close(1006, 'connection lost');
  });
  return ws;
}
