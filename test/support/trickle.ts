// Servers that never finish answering: an HTTP server (a Docker endpoint) that sends its headers,
// then one byte of body every `everyMs`, and a TCP server (a MySQL server) that sends a byte every
// `everyMs` and nothing else. Neither ever trips an idle timeout.
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface Trickle {
  /** `unix:///…/docker.sock` for the HTTP one, `127.0.0.1` port for the TCP one. */
  url: string;
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

function serve(server: net.Server, onSocket: (s: net.Socket) => NodeJS.Timeout): { sockets: Set<net.Socket>; count: () => number } {
  const sockets = new Set<net.Socket>();
  let count = 0;
  server.on('connection', (socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    const timer = onSocket(socket);
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
  });
  return { sockets, count: () => count };
}

/** An HTTP endpoint on a unix socket that answers every request with 200 and a body that never ends. */
export async function trickleDocker(everyMs = 200): Promise<Trickle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'decnet-trickle-'));
  const sock = path.join(dir, 'docker.sock');
  const server = net.createServer();
  const state = serve(server, (socket) => {
    let started = false;
    socket.on('data', () => {
      if (started) return;
      started = true;
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    });
    // JSON may hold any amount of whitespace: the body is valid so far, and never ends.
    return setInterval(() => {
      if (started) socket.write('1\r\n \r\n');
    }, everyMs);
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  return {
    url: `unix://${sock}`,
    port: 0,
    get connections() {
      return state.count();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of state.sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/**
 * A TCP server on loopback that announces a MySQL packet of 16 MiB, then sends it one byte every
 * `everyMs`: a handshake that never arrives whole.
 */
export async function trickleTcp(everyMs = 200): Promise<Trickle> {
  const server = net.createServer();
  const state = serve(server, (socket) => {
    socket.write(Buffer.from([0xff, 0xff, 0xff, 0x00]));
    return setInterval(() => socket.write('\x0a'), everyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `127.0.0.1:${port}`,
    port,
    get connections() {
      return state.count();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of state.sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
