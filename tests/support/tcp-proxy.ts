import { connect, createServer, type Socket } from 'node:net';

/**
 * What the link does. `drop`: every connection cut, new ones refused. `stall`: bytes held
 * until the link passes again. `half-open`: bytes vanish and neither end is told; those
 * connections stay dead for good. `lossy`: each chunk is lost with the given chance, which
 * the proxy emulates by delaying and then closing the connection.
 */
export type LinkMode = 'pass' | 'drop' | 'stall' | 'half-open' | 'lossy';

export interface TcpProxy {
  readonly port: number;
  mode(next: LinkMode): void;
  /** Called with every chunk forwarded, before it is written on. */
  onChunk(listener: (direction: 'up' | 'down', chunk: Buffer) => void): void;
  /** Connections accepted since the proxy started. */
  accepted(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: { up: Buffer[]; down: Buffer[] };
  dead: boolean;
}

/** A TCP proxy on 127.0.0.1 in front of `targetPort`, whose link the test controls. */
export async function tcpProxy(
  targetPort: number,
  options: { lossRate?: number; lossDelayMs?: number; seed?: number } = {},
): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const listeners: ((direction: 'up' | 'down', chunk: Buffer) => void)[] = [];
  let current: LinkMode = 'pass';
  let accepted = 0;
  let random = options.seed ?? 7;
  const chance = () => {
    random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
    return random / 2 ** 31;
  };
  const destroy = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream.destroy();
    pairs.delete(pair);
  };
  const forward = (pair: Pair, direction: 'up' | 'down', chunk: Buffer) => {
    const to = direction === 'up' ? pair.upstream : pair.client;
    for (const listener of listeners) listener(direction, chunk);
    to.write(chunk);
  };
  const onData = (pair: Pair, direction: 'up' | 'down', chunk: Buffer) => {
    if (pair.dead) return;
    if (current === 'half-open') {
      pair.dead = true;
      return;
    }
    if (current === 'stall') return void pair.held[direction].push(chunk);
    if (current === 'lossy' && chance() < (options.lossRate ?? 0.3)) {
      setTimeout(() => destroy(pair), options.lossDelayMs ?? 200);
      return;
    }
    forward(pair, direction, chunk);
  };
  const onClose = (pair: Pair) => {
    // A half-open link tells neither end; a stalled one tells once it passes again.
    if (pair.dead || current === 'stall' || current === 'half-open') return;
    destroy(pair);
  };

  const server = createServer((client) => {
    accepted += 1;
    if (current === 'drop') return void client.destroy();

    const upstream = connect(targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, held: { up: [], down: [] }, dead: false };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk) => onData(pair, 'up', chunk));
    upstream.on('data', (chunk) => onData(pair, 'down', chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => onClose(pair));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    mode(next) {
      current = next;
      if (next === 'drop') for (const pair of [...pairs]) destroy(pair);
      if (next === 'half-open') for (const pair of pairs) pair.dead = true;
      if (next !== 'pass') return;

      for (const pair of [...pairs]) {
        if (pair.dead) continue;
        for (const chunk of pair.held.up.splice(0)) forward(pair, 'up', chunk);
        for (const chunk of pair.held.down.splice(0)) forward(pair, 'down', chunk);
        if (pair.client.destroyed || pair.upstream.destroyed) destroy(pair);
      }
    },
    onChunk: (listener) => void listeners.push(listener),
    accepted: () => accepted,
    close: async () => {
      for (const pair of [...pairs]) destroy(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
