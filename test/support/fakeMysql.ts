// A fake MySQL server on loopback that reports who connected and whether a password reached it:
// it sends a real handshake (protocol 10, mysql_native_password), then reads the client's
// handshake response and notes whether it carried authentication data (what a password becomes).
import * as net from 'node:net';

export interface FakeMysql {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Handshake responses that carried authentication data (a password, hashed or not). */
  readonly authResponses: number;
  close(): Promise<void>;
}

function packet(seq: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  head[3] = seq;
  return Buffer.concat([head, payload]);
}

function handshake(): Buffer {
  const scramble = Buffer.from('abcdefghijklmnopqrst');
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from('8.0.36-fake\0'),
    Buffer.from([1, 0, 0, 0]), // connection id
    scramble.subarray(0, 8),
    Buffer.from([0]),
    Buffer.from([0xff, 0xf7]), // capabilities (low): protocol 41, secure connection...
    Buffer.from([0x21]), // utf8
    Buffer.from([2, 0]), // status
    Buffer.from([0xff, 0x81]), // capabilities (high): plugin auth
    Buffer.from([21]),
    Buffer.alloc(10),
    scramble.subarray(8),
    Buffer.from([0]),
    Buffer.from('mysql_native_password\0'),
  ]);
}

/** Whether a HandshakeResponse41 payload carries a non-empty auth response. */
function carriesAuth(payload: Buffer): boolean {
  // capabilities(4) max packet(4) charset(1) filler(23) user\0 then auth data.
  let off = 32;
  const end = payload.indexOf(0, off);
  if (end < 0) return payload.length > off;
  off = end + 1;
  return off < payload.length && payload[off] > 0;
}

export async function fakeMysqlServer(): Promise<FakeMysql> {
  let connections = 0;
  let authResponses = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const len = buf.readUIntLE(0, 3);
      if (buf.length < 4 + len) return;
      if (carriesAuth(buf.subarray(4, 4 + len))) authResponses++;
      socket.destroy();
    });
    socket.write(packet(0, handshake()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    get authResponses() {
      return authResponses;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
