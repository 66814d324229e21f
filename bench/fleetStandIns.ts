// Stand-ins for the Docker daemons of a DECNET swarm, in a process of their own (so that serving
// does not share the measured process's event loop): each answers GET /info, /containers/json and
// /networks on its own unix socket with the same recorded-size inventory (300 containers, 100
// networks) after its own delay, as a worker across a network does; one more accepts connections
// and never answers (a dead worker). Driven by bench/fleet.ts through stdin/stdout lines.
//   {"dir": "...", "delaysMs": [30, 60, 90, 120]} → {"sockets": [...], "dead": "tcp://127.0.0.1:<port>"}
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

function inventory(): { containers: string; networks: string; info: string } {
  const containers: object[] = [];
  const networks: object[] = [];
  for (let t = 0; t < 50; t++) {
    const prefix = (0x10000000 + t).toString(16);
    for (let n = 0; n < 2; n++) {
      const id = `${prefix}${n}`.padEnd(64, 'a');
      networks.push({
        Id: id,
        Name: `decnet_t_${prefix}_lan${n}`,
        Driver: 'bridge',
        Internal: n > 0,
        Labels: {},
        IPAM: { Config: [{ Subnet: `198.19.${t}.${n * 128}/25` }] },
      });
    }
    for (let d = 0; d < 6; d++) {
      const base = d % 3 === 0;
      containers.push({
        Id: `${prefix}${d}`.padEnd(64, 'c'),
        Names: [base ? `/decnet_t_${prefix}_decky-${d}` : `/decky-${t}-${d}-ssh`],
        Image: 'decnet-test/busybox:latest',
        State: 'running',
        Status: 'Up 1 hour',
        Labels: { 'decnet.topology.id': `${prefix}-2222-4222-8222-000000000000`, 'com.docker.compose.project': `decnet-topo-${prefix}` },
        HostConfig: { NetworkMode: base ? `decnet_t_${prefix}_lan0` : `container:${prefix}` },
        NetworkSettings: {
          Networks: base ? { [`decnet_t_${prefix}_lan0`]: { NetworkID: `${prefix}0`.padEnd(64, 'a'), EndpointID: 'e'.repeat(64) } } : {},
        },
      });
    }
  }
  for (const name of ['bridge', 'host', 'none'])
    networks.push({ Id: `${name}`.padEnd(64, '0'), Name: name, Driver: name, Labels: {}, IPAM: { Config: [] } });
  return {
    containers: JSON.stringify(containers),
    networks: JSON.stringify(networks),
    info: JSON.stringify({ Name: 'stand-in', ID: 'STAND:IN', ServerVersion: '20.10.24' }),
  };
}

const body = inventory();
const servers: (http.Server | net.Server)[] = [];
const held: net.Socket[] = [];

function serve(socket: string, delayMs: number, index: number): Promise<void> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const text = url.includes('/containers/json')
      ? body.containers
      : url.includes('/networks')
        ? body.networks
        : url.includes('/info')
          ? body.info.replace('STAND:IN', `STAND:IN:${index}`)
          : undefined;
    setTimeout(() => {
      if (text === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not here"}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(text);
      }
    }, delayMs);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(socket, resolve));
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  void (async () => {
    const req = JSON.parse(line) as { dir: string; delaysMs: number[] };
    const sockets = req.delaysMs.map((_, i) => path.join(req.dir, `host-${i}.sock`));
    await Promise.all(req.delaysMs.map((d, i) => serve(sockets[i], d, i)));
    // A dead worker: the TCP connection is accepted, nothing is ever said.
    const dead = net.createServer((s) => held.push(s));
    servers.push(dead);
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as net.AddressInfo).port;
    process.stdout.write(`${JSON.stringify({ sockets, dead: `tcp://127.0.0.1:${port}` })}\n`);
  })();
});
lines.on('close', () => {
  for (const s of held) s.destroy();
  for (const s of servers) s.close();
  process.exit(0);
});
