import net from 'node:net';
import { generate, type Packet, parser } from 'mqtt-packet';

/**
 * An MQTT 3.1.1 client at the packet level, for broker edge cases a full client hides: it
 * sends exactly the packets a test writes (packet ids included) and hands back what arrives.
 */
export interface RawClient {
  send(packet: Packet): void;
  /** The next packet of this kind, waiting for it if it has not come yet. */
  next(cmd: Packet['cmd']): Promise<Packet>;
  /** Cuts the TCP connection without DISCONNECT, as a power cut or a dropped link does. */
  drop(): void;
  closed: Promise<void>;
}

export async function rawConnect(url: string, connect: Record<string, unknown>) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

  const client = rawClient(socket);
  const packet = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    keepalive: 0,
    ...connect,
  };
  client.send(packet as Packet);
  const connack = (await client.next('connack')) as Packet & { sessionPresent: boolean };
  return { client, connack };
}

function rawClient(socket: net.Socket): RawClient {
  const arrived: Packet[] = [];
  const waiting: Array<{ cmd: string; resolve: (packet: Packet) => void }> = [];
  const incoming = parser({ protocolVersion: 4 });
  incoming.on('packet', (packet: Packet) => {
    const index = waiting.findIndex((wait) => wait.cmd === packet.cmd);
    if (index < 0) return void arrived.push(packet);

    waiting.splice(index, 1)[0]?.resolve(packet);
  });
  socket.on('data', (chunk) => incoming.parse(chunk));
  socket.on('error', () => {});

  return {
    send: (packet) => socket.write(generate(packet)),
    next: (cmd) => {
      const index = arrived.findIndex((packet) => packet.cmd === cmd);
      if (index >= 0) return Promise.resolve(arrived.splice(index, 1)[0] as Packet);

      return new Promise((resolve, reject) => {
        waiting.push({ cmd, resolve });
        socket.once('close', () => reject(new Error(`closed before ${cmd}`)));
      });
    },
    drop: () => socket.destroy(),
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
  };
}
